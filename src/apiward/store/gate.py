"""``--fail-on-new``: the findings a run reports that its API's last complete run did not.

The baseline is the API's last complete run of the same verb before this one; with
none, every finding is new. A finding triaged away (a false positive, or a risk
accepted and not yet expired) never fails the gate. Regressions fail it: a fixed
finding that is back was not in the baseline.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, func, select

from apiward.core.findings import Severity
from apiward.store.records import RunRecord, Tracked
from apiward.store.tables import findings, runs, states
from apiward.store.tracked import select_tracked, tracked_row


def baseline(connection: Connection, run: RunRecord) -> int | None:
    """The id of the last complete run of the same API and verb before ``run``."""
    api_id = select(runs.c.api_id).where(runs.c.id == run.id).scalar_subquery()
    found = connection.execute(
        select(func.max(runs.c.id)).where(
            runs.c.api_id == api_id,
            runs.c.tool == run.tool,
            runs.c.complete.is_(True),
            runs.c.id < run.id,
        )
    ).scalar()
    return int(found) if found is not None else None


def new_findings(
    connection: Connection, run: RunRecord, at_least: Severity, *, today: date
) -> list[Tracked]:
    """The run's findings at ``at_least`` or worse, absent from its baseline, not triaged away."""
    reported = select(findings.c.api_id, findings.c.fingerprint).where(findings.c.run_id == run.id)
    before = baseline(connection, run)
    if before is not None:
        known = select(findings.c.fingerprint).where(findings.c.run_id == before)
        reported = reported.where(findings.c.fingerprint.not_in(known))
    pairs = reported.subquery()
    query = (
        select_tracked()
        .join(
            pairs,
            (pairs.c.api_id == states.c.api_id) & (pairs.c.fingerprint == states.c.fingerprint),
        )
        .where(states.c.rank >= at_least.rank)
        .order_by(states.c.rank.desc(), states.c.check, states.c.operation)
    )
    found = [tracked_row(row) for row in connection.execute(query).mappings()]
    return [f for f in found if not f.triaged_away(today)]
