"""What a run tested: the only evidence that lets a finding's absence count as *fixed*.

A finding of check C on operation O is fixed by a run only when that run is complete
and tested C on O: C ran on O (or on the whole API), and C was not skipped there (nor
for the whole API). A finding with no operation (a contract rule, a code rule, a
vulnerable package) is tested when its check ran and was skipped nowhere, and the run
left no part of its input unexamined: a skip that names no operation and no check that
ran (``audit code``'s file that would not parse, an identity that could not log in)
means something was not looked at, so it fixes no such finding.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

Pair = tuple[str, str | None]


@dataclass(frozen=True, slots=True)
class Coverage:
    """A run's tested and skipped check × operation pairs, and whether it was complete."""

    ran: frozenset[Pair]
    skipped: frozenset[Pair]
    complete: bool

    @classmethod
    def of(cls, ran: Iterable[Pair], skipped: Iterable[Pair], *, complete: bool) -> Coverage:
        """The coverage of a run from its ``ran`` and ``skipped`` pairs."""
        return cls(frozenset(ran), frozenset(skipped), complete)

    def tested(self, check: str, operation: str | None) -> bool:
        """True when this run's silence about ``check`` on ``operation`` means it is gone."""
        if not self.complete:
            return False
        if operation is None:
            return self._tested_everywhere(check)
        ran = (check, operation) in self.ran or (check, None) in self.ran
        skipped = (check, operation) in self.skipped or (check, None) in self.skipped
        return ran and not skipped

    def _tested_everywhere(self, check: str) -> bool:
        checks_ran = {c for c, _ in self.ran}
        if check not in checks_ran or any(c == check for c, _ in self.skipped):
            return False
        return not any(op is None and c not in checks_ran for c, op in self.skipped)
