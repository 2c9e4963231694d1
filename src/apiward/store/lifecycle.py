"""Findings across the runs of one API: new, open, fixed, regressed (by fingerprint).

Each recorded run moves the API's findings on:

- reported, never seen before → **new**; reported again → **open**;
- reported after it was fixed → **regressed** (and **open** when reported once more);
- not reported by a *complete* run that tested its check on its operation → **fixed**
  (``apiward.store.coverage``); absent from a partial run, or from a run where that
  check was skipped, it is **not tested**: it keeps its state, except that a new one is
  open from then on (new means first reported by the API's latest run, nothing older).

Triage is separate (``apiward.store.triage``): a false positive is still tracked, so a
decision never hides a regression in the record, only from the gate and the default list.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, select

from apiward.core.findings import Severity
from apiward.store.coverage import Coverage
from apiward.store.records import State
from apiward.store.tables import states

_NEXT = {
    None: State.NEW,
    State.NEW: State.OPEN,
    State.OPEN: State.OPEN,
    State.REGRESSED: State.OPEN,
    State.FIXED: State.REGRESSED,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Moved:
    """What one run did to its API's findings: how many entered each state, how many it left.

    ``untested`` counts the tracked findings the run neither reported nor tested, so the
    two together account for every finding the API had open and every one the run reported.
    """

    entered: Counter[State]
    untested: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Reported:
    """The part of a reported finding its tracked state keeps."""

    fingerprint: str
    check: str
    operation: str | None
    severity: Severity
    title: str


def advance(
    connection: Connection,
    api_id: int,
    run_id: int,
    reported: Sequence[Reported],
    coverage: Coverage,
) -> Moved:
    """Move the API's findings on after run ``run_id``; what moved where."""
    rows = connection.execute(
        select(
            states.c.fingerprint,
            states.c.state,
            states.c.check,
            states.c.operation,
            states.c.changed_run,
        ).where(states.c.api_id == api_id)
    ).all()
    known = {row.fingerprint: row for row in rows}
    entered: Counter[State] = Counter()
    inserts: list[dict[str, Any]] = []
    seen: list[dict[str, Any]] = []
    for finding in reported:
        before = known.get(finding.fingerprint)
        state = _NEXT[State(before.state) if before else None]
        entered[state] += 1
        if before is None:
            inserts.append({**_values(finding, state, run_id), "api_id": api_id})
            continue
        changed = run_id if state.value != before.state else before.changed_run
        seen.append({**_values(finding, state, run_id), "changed_run": changed})
    reported_now = {f.fingerprint for f in reported}
    absent = [
        (fingerprint, row)
        for fingerprint, row in known.items()
        if row.state != State.FIXED and fingerprint not in reported_now
    ]
    fixed = [
        {"fingerprint": fingerprint, "state": State.FIXED.value, "changed_run": run_id}
        for fingerprint, row in absent
        if coverage.tested(row.check, row.operation)
    ]
    untested = len(absent) - len(fixed)
    # Not tested by this run, a finding first reported by an earlier one is no longer new.
    aged = [
        {"fingerprint": fingerprint, "state": State.OPEN.value, "changed_run": run_id}
        for fingerprint, row in absent
        if row.state == State.NEW and not coverage.tested(row.check, row.operation)
    ]
    if fixed:
        entered[State.FIXED] += len(fixed)
    if inserts:
        connection.execute(states.insert(), inserts)
    for group in (seen, fixed, aged):
        _update(connection, api_id, group)
    return Moved(entered=entered, untested=untested)


def _values(finding: Reported, state: State, run_id: int) -> dict[str, Any]:
    return {
        "fingerprint": finding.fingerprint,
        "state": state.value,
        "check": finding.check,
        "operation": finding.operation,
        "severity": finding.severity.value,
        "rank": finding.severity.rank,
        "title": finding.title,
        "first_run": run_id,
        "last_seen_run": run_id,
        "changed_run": run_id,
    }


def _update(connection: Connection, api_id: int, rows: list[dict[str, Any]]) -> None:
    """One executemany for rows that all set the same columns (``fingerprint`` picks the row)."""
    if not rows:
        return
    # A bound name may not be a column's name in an UPDATE's WHERE: rename the key.
    params = [
        {("fp" if k == "fingerprint" else k): v for k, v in r.items() if k != "first_run"}
        for r in rows
    ]
    columns: dict[str, Any] = {k: bindparam(k) for k in params[0] if k != "fp"}
    where = (states.c.api_id == api_id) & (states.c.fingerprint == bindparam("fp"))
    connection.execute(states.update().where(where).values(**columns), params)
