"""Skips grouped for a person: by reason, then check, then the distinct details.

One API gave 191 skips, 157 of them ``precondition not met``: a line per check ×
operation is unreadable, and a count per reason hides what was missing. Grouping by
reason, then check, with each distinct detail and how many operations it covers, keeps
the terminal and the HTML page short and still says what to fix (the JSON report lists
every pair).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from apiward.report.model import Skipped

WHOLE_TARGET = "(whole target)"
"""How a skip of a once-per-scan check (no operation) is named."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DetailSkips:
    """One distinct detail of a check's skips, and how many operations it covers."""

    detail: str
    operations: int


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckSkips:
    """A check's skips for one reason: operations skipped, details most frequent first."""

    check: str
    operations: int
    details: tuple[DetailSkips, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ReasonSkips:
    """Every skip for one reason: how many (check × operation), checks most skipped first."""

    reason: str
    count: int
    checks: tuple[CheckSkips, ...]


def grouped(skipped: Iterable[Skipped]) -> tuple[ReasonSkips, ...]:
    """Skips by reason (most frequent first), then check, then distinct detail."""
    tree: defaultdict[str, defaultdict[str, defaultdict[str, set[str]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(set))
    )
    counts: defaultdict[str, int] = defaultdict(int)
    for skip in skipped:
        counts[skip.reason] += 1
        tree[skip.reason][skip.check][skip.detail].add(skip.operation or WHOLE_TARGET)
    groups = (
        ReasonSkips(reason=reason, count=counts[reason], checks=_checks(by_check))
        for reason, by_check in tree.items()
    )
    return tuple(sorted(groups, key=lambda g: (-g.count, g.reason)))


def _checks(by_check: dict[str, defaultdict[str, set[str]]]) -> tuple[CheckSkips, ...]:
    checks = [
        CheckSkips(
            check=check,
            operations=len(set().union(*by_detail.values())),
            details=_details(by_detail),
        )
        for check, by_detail in by_check.items()
    ]
    return tuple(sorted(checks, key=lambda c: (-c.operations, c.check)))


def _details(by_detail: dict[str, set[str]]) -> tuple[DetailSkips, ...]:
    details = [
        DetailSkips(detail=detail, operations=len(operations))
        for detail, operations in by_detail.items()
        if detail
    ]
    return tuple(sorted(details, key=lambda d: (-d.operations, d.detail)))
