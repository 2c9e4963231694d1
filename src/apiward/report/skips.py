"""Skips grouped for a person: by reason, then by distinct detail, naming the checks.

One API gave 191 skips, 157 of them ``precondition not met``: a line per check ×
operation is unreadable, and a count per reason hides what was missing. Details repeat
across checks (``no URL-valued input`` stops both ``ssrf`` and ``unsafe_consumption``; one
withheld write stops every check that needed it), so grouping by reason, then detail,
with the checks and operations each covers, says what to fix in a few lines. The JSON
report lists every pair.
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
    """The skips of one reason that share a detail (possibly empty)."""

    detail: str
    count: int
    """Skipped check × operation pairs."""
    checks: tuple[str, ...]
    """The checks skipped, most skipped first."""
    operations: int
    """Distinct operations they were skipped on (the whole target counts as one)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReasonSkips:
    """Every skip for one reason, and its distinct details, most frequent first."""

    reason: str
    count: int
    details: tuple[DetailSkips, ...]


def grouped(skipped: Iterable[Skipped]) -> tuple[ReasonSkips, ...]:
    """Skips by reason (most frequent first), then by detail (most frequent first)."""
    tree: defaultdict[str, defaultdict[str, list[Skipped]]] = defaultdict(lambda: defaultdict(list))
    for skip in skipped:
        tree[skip.reason][skip.detail].append(skip)
    groups = [
        ReasonSkips(
            reason=reason,
            count=sum(len(skips) for skips in by_detail.values()),
            details=_details(by_detail),
        )
        for reason, by_detail in tree.items()
    ]
    return tuple(sorted(groups, key=lambda g: (-g.count, g.reason)))


def _details(by_detail: dict[str, list[Skipped]]) -> tuple[DetailSkips, ...]:
    details = [_detail(detail, skips) for detail, skips in by_detail.items()]
    # An empty detail says least, so it goes last whatever its count.
    return tuple(sorted(details, key=lambda d: (not d.detail, -d.count, d.detail)))


def _detail(detail: str, skips: list[Skipped]) -> DetailSkips:
    per_check: defaultdict[str, int] = defaultdict(int)
    for skip in skips:
        per_check[skip.check] += 1
    return DetailSkips(
        detail=detail,
        count=len(skips),
        checks=tuple(sorted(per_check, key=lambda check: (-per_check[check], check))),
        operations=len({skip.operation or WHOLE_TARGET for skip in skips}),
    )
