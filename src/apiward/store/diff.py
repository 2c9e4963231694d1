"""``apiward diff RUN_A RUN_B``: what appeared, what disappeared, what changed between two runs.

A finding that disappeared is *fixed* only if run B tested its check on its operation
(``apiward.store.coverage``); otherwise it is reported as *not tested*, never as gone.

The diff is worked out on fingerprints in the database (the changed fields compared
there too), so a window of it (``offset``, ``limit``: what a dashboard page shows)
reads the recorded bodies of the findings in that window alone. Each list is ordered
most severe first (then check, operation); the disappeared ones fixed before not tested.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    FromClause,
    Select,
    case,
    exists,
    func,
    or_,
    select,
)

from apiward.core.findings import Severity
from apiward.store.coverage import Coverage
from apiward.store.runs import get_run
from apiward.store.tables import coverage, findings

COMPARED = ("severity", "confidence", "title")
"""What may change in a finding both runs reported (details name ids that vary by run)."""
_BATCH = 500
"""Fingerprints per query when reading bodies: well under any database's parameter limit."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Gone:
    """A finding of run A that run B did not report, and whether B tested for it."""

    finding: dict[str, Any]
    tested: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Changed:
    """A finding both runs reported, with what differs: ``{field: (in A, in B)}``."""

    finding: dict[str, Any]
    fields: dict[str, tuple[Any, Any]]


@dataclass(frozen=True, slots=True, kw_only=True)
class DiffSize:
    """How many findings appeared, disappeared and changed: the whole diff, however windowed."""

    appeared: int
    disappeared: int
    changed: int

    @property
    def total(self) -> int:
        """Every finding the diff names."""
        return self.appeared + self.disappeared + self.changed


@dataclass(frozen=True, slots=True, kw_only=True)
class RunDiff:
    """Run B against run A (or the window of it asked for), each list by fingerprint."""

    appeared: list[dict[str, Any]]
    disappeared: list[Gone]
    changed: list[Changed]
    size: DiffSize


def compare(
    connection: Connection, run_a: int, run_b: int, *, offset: int = 0, limit: int | None = None
) -> RunDiff:
    """What run ``run_b`` reports differently from ``run_a`` (findings as recorded, JSON).

    With ``limit``, only ``limit`` findings from ``offset`` on, counted across the
    appeared, disappeared and changed lists in that order; ``size`` is always the whole.
    """
    get_run(connection, run_a)
    complete = get_run(connection, run_b).complete
    tested = _coverage(connection, run_b, complete=complete)
    ordered = _fixed_first(connection, run_a, run_b, tested)
    parts = (_only_in(run_b, run_a), _changed(run_a, run_b))
    if limit is None:
        appeared, changed = (connection.execute(part).scalars().all() for part in parts)
        size = DiffSize(appeared=len(appeared), disappeared=len(ordered), changed=len(changed))
        disappeared = ordered
    else:
        counted = [
            connection.execute(select(func.count()).select_from(part.subquery())).scalar_one()
            for part in parts
        ]
        size = DiffSize(appeared=counted[0], disappeared=len(ordered), changed=counted[1])
        (a0, an), (d0, dn), (c0, cn) = _spans(size, offset, limit)
        appeared, changed = (
            connection.execute(part.offset(start).limit(count)).scalars().all() if count else []
            for part, start, count in ((parts[0], a0, an), (parts[1], c0, cn))
        )
        disappeared = ordered[d0 : d0 + dn]
    a = _bodies(connection, run_a, [f for f, _ in disappeared] + list(changed))
    b = _bodies(connection, run_b, [*appeared, *changed])
    return RunDiff(
        appeared=[b[f] for f in appeared],
        disappeared=[Gone(finding=a[f], tested=was) for f, was in disappeared],
        changed=[Changed(finding=b[f], fields=_fields(a[f], b[f])) for f in changed],
        size=size,
    )


def _fixed_first(
    connection: Connection, run_a: int, run_b: int, tested: Coverage
) -> list[tuple[str, bool]]:
    """The fingerprints run A reported and run B did not, and whether B tested each: fixed first."""
    rows = connection.execute(_only_in(run_a, run_b, findings.c.check, findings.c.operation))
    found = [(row.fingerprint, tested.tested(row.check, row.operation)) for row in rows]
    # A stable sort keeps the severity order within the fixed and the not tested.
    return sorted(found, key=lambda pair: not pair[1])


def _only_in(run_id: int, other_run: int, *extra: ColumnElement[Any]) -> Select[Any]:
    """The fingerprints ``run_id`` reported and ``other_run`` did not, most severe first."""
    other = findings.alias("other")
    return (
        select(findings.c.fingerprint, *extra)
        .where(findings.c.run_id == run_id)
        .where(
            ~exists().where(
                other.c.run_id == other_run, other.c.fingerprint == findings.c.fingerprint
            )
        )
        .order_by(*_by_severity(findings))
    )


def _by_severity(table: FromClause) -> tuple[ColumnElement[Any], ...]:
    """Most severe first, then by check, operation and fingerprint: a stable order."""
    rank = case({s.value: s.rank for s in Severity}, value=table.c.severity, else_=0)
    return (rank.desc(), table.c.check, table.c.operation, table.c.fingerprint)


def _changed(run_a: int, run_b: int) -> Select[Any]:
    """The fingerprints both runs reported with a compared field that differs, in order."""
    a, b = findings.alias("a"), findings.alias("b")
    return (
        select(b.c.fingerprint)
        .join(a, a.c.fingerprint == b.c.fingerprint)
        .where(a.c.run_id == run_a, b.c.run_id == run_b)
        .where(or_(*(_field(a, name).is_distinct_from(_field(b, name)) for name in COMPARED)))
        .order_by(*_by_severity(b))
    )


def _field(table: FromClause, name: str) -> ColumnElement[Any]:
    """A compared field: its column where recorded as one (cheaper), else read from the body."""
    if name in table.c:
        return table.c[name]
    field: ColumnElement[Any] = table.c.body[name].as_string()
    return field


def _spans(size: DiffSize, offset: int, limit: int) -> list[tuple[int, int]]:
    """``(offset, limit)`` within each of appeared, disappeared, changed for the whole window."""
    spans = []
    for count in (size.appeared, size.disappeared, size.changed):
        start = min(offset, count)
        taken = min(limit, count - start)
        spans.append((start, taken))
        offset, limit = offset - start, limit - taken
    return spans


def _fields(a: dict[str, Any], b: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {name: (a.get(name), b.get(name)) for name in COMPARED if a.get(name) != b.get(name)}


def _bodies(connection: Connection, run_id: int, only: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The findings ``only`` names of the run, as recorded, by fingerprint."""
    found = {}
    for start in range(0, len(only), _BATCH):
        rows = connection.execute(
            select(findings.c.fingerprint, findings.c.body).where(
                findings.c.run_id == run_id,
                findings.c.fingerprint.in_(only[start : start + _BATCH]),
            )
        )
        found.update({row.fingerprint: row.body for row in rows})
    return found


def _coverage(connection: Connection, run_id: int, *, complete: bool) -> Coverage:
    rows = connection.execute(
        select(coverage.c.check, coverage.c.operation, coverage.c.skipped).where(
            coverage.c.run_id == run_id
        )
    ).all()
    return Coverage.of(
        ((r.check, r.operation) for r in rows if not r.skipped),
        ((r.check, r.operation) for r in rows if r.skipped),
        complete=complete,
    )
