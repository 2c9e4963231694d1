"""A store written by the first schema (0001) is refused as it is, and upgraded with its data.

The store is built by the shipped migrations stopped at revision 0001, filled the way
that apiward wrote it (an API, a run with its coverage and finding, the finding's state,
a triage decision and its log), then read by this apiward: refused until `store
upgrade`, and afterwards read back whole and written to as any store.
"""

from __future__ import annotations

from datetime import date

import pytest
from alembic import command
from alembic.config import Config
from reports import T0, finding, scan
from sqlalchemy import Connection, Engine, func, select

from apiward.core.errors import StorageError
from apiward.report.serialize import finding as finding_json
from apiward.store import State, open_store, record_run, upgrade
from apiward.store.apis import get_api
from apiward.store.runs import list_runs
from apiward.store.schema import MIGRATIONS, connect, revision
from apiward.store.tables import (
    SCHEMA,
    apis,
    coverage,
    findings,
    runs,
    states,
    triage,
    triage_log,
)
from apiward.store.tracked import history, list_tracked

TODAY = date(2026, 3, 2)
OLD = finding()
FIXED_LATER = finding("bfla", "DELETE /orders/{order_id}", key="admin", title="bob deletes")


def _at_0001(url: str) -> None:
    """The store at revision 0001, holding one API's first scan, as apiward 0001 wrote it."""
    engine = connect(url)
    try:
        with engine.begin() as connection:
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            config.attributes["connection"] = connection
            command.upgrade(config, "0001")
            _fill(connection)
    finally:
        engine.dispose()


def _fill(connection: Connection) -> None:
    # Ids as the database hands them out: PostgreSQL's sequences must know of these rows.
    api = connection.execute(
        apis.insert().values(name="orders", target="http://127.0.0.1:9", created=T0)
    ).inserted_primary_key[0]
    run = connection.execute(
        runs.insert().values(
            api_id=api, tool="scan", target="http://127.0.0.1:9", contract=None,
            version="0.1.0", options={"safe": True}, started=T0, finished=T0, complete=True,
            stats={"requests": 12}, notes=["an old note"],
        )
    ).inserted_primary_key[0]  # fmt: skip
    connection.execute(
        coverage.insert(),
        [
            {"run_id": run, "check": f.check, "operation": f.operation, "skipped": False}
            | {"reason": "", "detail": ""}
            for f in (OLD, FIXED_LATER)
        ],
    )
    for f in (OLD, FIXED_LATER):
        row = {"fingerprint": f.fingerprint, "check": f.check, "operation": f.operation}
        row |= {"severity": f.severity.value, "title": f.title}
        connection.execute(
            findings.insert().values(run_id=run, api_id=api, body=finding_json(f), **row)
        )
        connection.execute(
            states.insert().values(
                api_id=api, state="new", rank=f.severity.rank, first_run=run,
                last_seen_run=run, changed_run=run, **row,
            )
        )  # fmt: skip
    decision = {"api_id": api, "fingerprint": FIXED_LATER.fingerprint}
    decision |= {"decision": "accepted-risk", "reason": "admins only"}
    decision |= {"expires": date(2026, 6, 1), "by": "ana", "at": T0}
    connection.execute(triage.insert().values(**decision))
    connection.execute(triage_log.insert().values(**decision))


def _count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(findings)).scalar_one())


def test_a_store_at_0001_is_refused_and_left_untouched(store_url: str) -> None:
    """Opening an 0001 store asks for `store upgrade` and changes nothing in it."""
    _at_0001(store_url)
    with pytest.raises(StorageError, match=rf"schema 0001, this apiward reads {SCHEMA}.*upgrade"):
        open_store(store_url)
    engine = connect(store_url)
    try:
        with engine.connect() as connection:
            assert revision(connection) == "0001"
        assert _count(engine) == 2
    finally:
        engine.dispose()


def test_an_upgraded_0001_store_reads_back_whole(store_url: str) -> None:
    """After `store upgrade` the API, its run, findings, history and triage are all there."""
    _at_0001(store_url)
    assert upgrade(store_url) == ("0001", SCHEMA)
    engine = open_store(store_url)
    try:
        with engine.connect() as connection:
            api = get_api(connection, "orders")
            (run,) = list_runs(connection, api.id)
            (seen,) = history(connection, api.id, OLD.fingerprint)
        assert api.options == {}, "an API from before per-API options has none"
        assert (run.options, run.stats, run.notes, run.findings) == (
            {"safe": True},
            {"requests": 12},
            ("an old note",),
            2,
        )
        assert seen.body["title"] == OLD.title
        assert seen.body["evidence"][0]["request"]["url"] == "http://127.0.0.1:9/orders/ord_1"
        listed = list_tracked(engine, api="orders", today=TODAY, triaged=True)
        assert {(t.fingerprint, t.state) for t in listed} == {
            (OLD.fingerprint, State.NEW),
            (FIXED_LATER.fingerprint, State.NEW),
        }
        (accepted,) = [t for t in listed if t.triage is not None]
        assert accepted.triage is not None
        assert (accepted.triage.reason, accepted.triage.by) == ("admins only", "ana")
        assert [t.fingerprint for t in list_tracked(engine, api="orders", today=TODAY)] == [
            OLD.fingerprint
        ], "the accepted risk is still triaged away"
    finally:
        engine.dispose()


def test_an_upgraded_0001_store_takes_new_runs_on_its_history(store_url: str) -> None:
    """The next run moves the old findings on: one open again, one fixed."""
    _at_0001(store_url)
    upgrade(store_url)
    engine = open_store(store_url)
    try:
        ran = ((OLD.check, OLD.operation), (FIXED_LATER.check, FIXED_LATER.operation))
        recorded = record_run(engine, scan(OLD, ran=ran, day=1), api="orders")
        assert recorded.run.id == 2
        states_now = {
            t.fingerprint: t.state
            for t in list_tracked(
                engine, api="orders", among=list(State), triaged=True, today=TODAY
            )
        }
        assert states_now == {OLD.fingerprint: State.OPEN, FIXED_LATER.fingerprint: State.FIXED}
    finally:
        engine.dispose()
