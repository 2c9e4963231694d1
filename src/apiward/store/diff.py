"""``apiward diff RUN_A RUN_B``: what appeared, what disappeared, what changed between two runs.

A finding that disappeared is *fixed* only if run B tested its check on its operation
(``apiward.store.coverage``); otherwise it is reported as *not tested*, never as gone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from apiward.store.coverage import Coverage
from apiward.store.runs import get_run
from apiward.store.tables import coverage, findings

COMPARED = ("severity", "confidence", "title")
"""What may change in a finding both runs reported (details name ids that vary by run)."""


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
class RunDiff:
    """Run B against run A."""

    appeared: list[dict[str, Any]]
    disappeared: list[Gone]
    changed: list[Changed]


def compare(connection: Connection, run_a: int, run_b: int) -> RunDiff:
    """What run ``run_b`` reports differently from ``run_a`` (findings as recorded, JSON)."""
    get_run(connection, run_a)
    complete = get_run(connection, run_b).complete
    a, b = _findings(connection, run_a), _findings(connection, run_b)
    tested = _coverage(connection, run_b, complete=complete)
    changed = []
    for fingerprint in sorted(a.keys() & b.keys()):
        fields = {
            name: (a[fingerprint].get(name), b[fingerprint].get(name))
            for name in COMPARED
            if a[fingerprint].get(name) != b[fingerprint].get(name)
        }
        if fields:
            changed.append(Changed(finding=b[fingerprint], fields=fields))
    return RunDiff(
        appeared=[b[f] for f in sorted(b.keys() - a.keys())],
        disappeared=[
            Gone(finding=a[f], tested=tested.tested(a[f]["check"], a[f]["operation"]))
            for f in sorted(a.keys() - b.keys())
        ],
        changed=changed,
    )


def _findings(connection: Connection, run_id: int) -> dict[str, dict[str, Any]]:
    rows = connection.execute(
        select(findings.c.fingerprint, findings.c.body).where(findings.c.run_id == run_id)
    )
    return {row.fingerprint: row.body for row in rows}


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
