"""What a run should tell people about: findings it made new or brought back, high or worse.

A finding enters *new* or *regressed* in exactly one run (its ``changed_run``), so each
is announced once, whichever worker recorded it. Findings triaged away are not announced.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection

from apiward.core.findings import Severity
from apiward.store.records import State, Tracked
from apiward.store.tables import states
from apiward.store.tracked import select_tracked, tracked_row


def alerts(
    connection: Connection, run_id: int, *, today: date, at_least: Severity = Severity.HIGH
) -> list[Tracked]:
    """The findings run ``run_id`` made new or regressed, ``at_least`` this severe."""
    query = (
        select_tracked()
        .where(
            states.c.changed_run == run_id,
            states.c.state.in_([State.NEW.value, State.REGRESSED.value]),
            states.c.rank >= at_least.rank,
        )
        .order_by(states.c.rank.desc(), states.c.check, states.c.operation)
    )
    found = [tracked_row(row) for row in connection.execute(query).mappings()]
    return [f for f in found if not f.triaged_away(today)]
