"""What a recorded run keeps: everything the report said, redacted, each finding once."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from reports import T0, finding, scan
from sqlalchemy import Engine, select, text

from apiward import __version__
from apiward.core.findings import Severity
from apiward.store import record_run
from apiward.store.apis import add_api, list_apis
from apiward.store.tables import coverage, findings

BOLA = ("bola", "GET /orders/{order_id}")
TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl-orders-secret"


def test_a_run_keeps_what_ran_when_how_and_its_figures(engine: Engine) -> None:
    """Tool, target, contract, version, options, times, completeness, stats and notes."""
    options = {"safe": True, "identities": Path("/etc/ids.yaml"), "fail-on": Severity.HIGH}
    run = record_run(engine, scan(finding(), ran=(BOLA,)), api="orders", options=options).run
    assert (run.api, run.tool, run.target) == ("orders", "scan", "http://127.0.0.1:9")
    assert run.contract == "http://127.0.0.1:9/openapi.json"
    assert run.version == __version__
    assert run.options == {"safe": True, "identities": "/etc/ids.yaml", "fail-on": "high"}
    assert run.started == T0
    assert run.complete is True
    assert run.stats == {"requests": 42}
    assert run.notes == ("a note",)
    assert run.findings == 1


def test_every_skip_and_every_ran_pair_is_kept(engine: Engine) -> None:
    """Coverage rows: one per check × operation that ran, one per skip with its reason."""
    report = scan(ran=(BOLA,), skipped=(("cors", None),), complete=False)
    run = record_run(engine, report, api="orders").run
    with engine.connect() as connection:
        rows = connection.execute(
            select(coverage.c.check, coverage.c.operation, coverage.c.skipped, coverage.c.reason)
            .where(coverage.c.run_id == run.id)
            .order_by(coverage.c.check)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("bola", "GET /orders/{order_id}", False, ""),
        ("cors", None, True, "precondition not met"),
    ]
    assert run.complete is False


def test_evidence_is_kept_and_credentials_are_not(engine: Engine) -> None:
    """Each finding's exchanges are stored, with tokens and the run's secrets masked."""
    report = scan(finding(token=TOKEN), ran=(BOLA,))
    record_run(engine, report, api="orders", secrets=["orders-secret"])
    with engine.connect() as connection:
        body = connection.execute(select(findings.c.body)).scalar_one()
        dump = str(connection.execute(text("SELECT * FROM findings")).all())
    assert body["evidence"][0]["request"]["url"] == "http://127.0.0.1:9/orders/ord_1"
    assert body["evidence"][0]["response"]["status"] == 200
    assert TOKEN not in dump
    assert "orders-secret" not in dump


def test_a_fingerprint_is_recorded_once_per_run(engine: Engine) -> None:
    """Two findings with one fingerprint in one run are one row, the more severe."""
    low = finding(severity=Severity.LOW)
    high = finding(severity=Severity.HIGH)
    run = record_run(engine, scan(low, high, ran=(BOLA,)), api="orders").run
    with engine.connect() as connection:
        rows = connection.execute(select(findings.c.severity)).scalars().all()
    assert rows == ["high"]
    assert run.findings == 1


def test_a_run_without_an_api_joins_the_api_of_its_target(engine: Engine) -> None:
    """Without --api a run belongs to the API registered for its target, else to a new one."""
    add_api(engine, "orders", target="http://127.0.0.1:9")
    assert record_run(engine, scan()).run.api == "orders"
    elsewhere = dataclasses.replace(scan(), target="http://127.0.0.1:7")
    assert record_run(engine, elsewhere).run.api == "http://127.0.0.1:7"
    assert [a.name for a in list_apis(engine)] == ["http://127.0.0.1:7", "orders"]


def test_identities_stay_a_path(engine: Engine, tmp_path: Path) -> None:
    """An API keeps its identities file's path, not its content."""
    identities = tmp_path / "ids.yaml"
    identities.write_text('identities: [{name: a, headers: {X-Key: "k-Secret-123"}}]\n')
    api = add_api(engine, "orders", identities=identities, schedule="0 3 * * *")
    assert api.identities == str(identities)
    with engine.connect() as connection:
        assert "k-Secret-123" not in str(connection.execute(text("SELECT * FROM apis")).all())
