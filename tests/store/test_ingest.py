"""`apiward ingest`: a real guard's audit log into the store, once per event, endpoints by date."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select
from tasks_app import tracker, write_contract

from apiward.cli.ingest import traffic_describer, verified_events
from apiward.core.events import AuditEvent
from apiward.inventory.observation import parse_iso
from apiward.spec import load
from apiward.store.apis import add_api, get_api
from apiward.store.endpoints import list_endpoints
from apiward.store.ingest import ingest_events
from apiward.store.tables import guard_events

Cli = Callable[..., subprocess.CompletedProcess[str]]
Serve = Callable[[Any], Any]

TRAFFIC = (
    "/tasks",
    "/tasks/1",
    "/tasks/not-a-number",
    "/tasks?status=lost",
    "/legacy/tasks",
    "/internal/metrics",
    "/admin/members/kofi",
)


def _drive(url: str, paths: tuple[str, ...] = TRAFFIC) -> list[int]:
    with httpx.Client(base_url=url, trust_env=False) as http:
        return [http.get(path).status_code for path in paths]


def _ingest(engine: Engine, log: Path, contract: Path) -> Any:
    events = verified_events(log, key=None, key_env=None, accept_broken=False)
    return ingest_events(
        engine,
        events,
        api="tracker",
        log=events[0].hash,
        describe=traffic_describer(load(contract)),
    )


@pytest.fixture
def contract(tmp_path: Path) -> Path:
    """The tracker's contract file."""
    return write_contract(tmp_path)


def test_each_refusal_is_recorded_with_its_rule_client_endpoint_and_time(
    engine: Engine, serve: Serve, tmp_path: Path, contract: Path
) -> None:
    """What was refused, by which rule, when, from which client, on which endpoint."""
    log = tmp_path / "audit.jsonl"
    add_api(engine, "tracker", spec=str(contract))
    statuses = _drive(serve(tracker(contract, log)).url)
    assert statuses == [200, 200, 422, 422, 200, 200, 200]
    done = _ingest(engine, log, contract)
    assert done.new == {"request": 6, "decision": 2}
    with engine.connect() as connection:
        refused = connection.execute(
            select(
                guard_events.c.endpoint,
                guard_events.c.reason,
                guard_events.c.client,
                guard_events.c.status,
                guard_events.c.at,
            )
            .where(guard_events.c.kind == "request", guard_events.c.outcome == "refused")
            .order_by(guard_events.c.id)
        ).all()
    logged = {e.hash: e for e in map(AuditEvent.from_json, log.read_bytes().splitlines())}
    assert [row[:4] for row in refused] == [
        ("GET /tasks/{task_id}", "validate.invalid", "127.0.0.1", 422),
        ("GET /tasks", "validate.invalid", "127.0.0.1", 422),
    ]
    times = sorted(parse_iso(e.ts) for e in logged.values() if e.outcome == "refused")
    assert {row[4] for row in refused} <= set(times)


def test_reingesting_records_nothing_twice_and_a_grown_log_only_its_new_lines(
    engine: Engine, serve: Serve, tmp_path: Path, contract: Path
) -> None:
    """The same log twice records nothing the second time; appended lines are recorded once."""
    log = tmp_path / "audit.jsonl"
    add_api(engine, "tracker", spec=str(contract))
    url = serve(tracker(contract, log)).url
    _drive(url)
    first = _ingest(engine, log, contract)
    again = _ingest(engine, log, contract)
    assert (sum(first.new.values()), sum(again.new.values()), again.offered) == (8, 0, 8)
    _drive(url, ("/tasks", "/tasks/2"))
    grown = _ingest(engine, log, contract)
    assert grown.new == {"request": 2}
    with engine.connect() as connection:
        api = get_api(connection, "tracker")
        seen = {e.key: e.calls for e in list_endpoints(connection, api.id)}
        stored = len(connection.execute(select(guard_events.c.id)).all())
    assert stored == 10
    assert seen["GET /tasks"] == 3
    assert seen["GET /tasks/{task_id}"] == 3


def test_endpoints_appear_by_date_shadow_and_zombie_included(
    engine: Engine, serve: Serve, tmp_path: Path, contract: Path
) -> None:
    """Each endpoint (templated by the contract) has first and last seen; the unseen router none."""
    log = tmp_path / "audit.jsonl"
    add_api(engine, "tracker", spec=str(contract))
    url = serve(tracker(contract, log)).url
    _drive(url)
    done = _ingest(engine, log, contract)
    _drive(url, ("/internal/metrics",))
    _ingest(engine, log, contract)
    with engine.connect() as connection:
        found = {e.key: e for e in list_endpoints(connection, get_api(connection, "tracker").id)}
    assert {key: e.state for key, e in found.items()} == {
        "GET /tasks": "documented",
        "GET /tasks/{task_id}": "documented",
        "GET /legacy/tasks": "zombie",
        "GET /internal/metrics": "shadow",
    }
    assert set(done.first_seen) == set(found)
    events = [AuditEvent.from_json(line) for line in log.read_bytes().splitlines()]
    metrics = sorted(parse_iso(e.ts) for e in events if e.path == "/internal/metrics")
    shadow = found["GET /internal/metrics"]
    assert (shadow.first_seen, shadow.last_seen, shadow.calls) == (metrics[0], metrics[-1], 2)
    assert found["GET /tasks/{task_id}"].refused == 1


def _guard_log(serve: Serve, tmp_path: Path, contract: Path, **audit: Any) -> Path:
    log = tmp_path / "audit.jsonl"
    _drive(serve(tracker(contract, log, **audit)).url)
    return log


def test_the_cli_refuses_a_broken_log_and_records_its_intact_part_when_asked(
    apiward: Cli, serve: Serve, tmp_path: Path, contract: Path
) -> None:
    """An edited line: exit 2 naming file, line and fault; --accept-broken records what precedes."""
    store = str(tmp_path / "s.db")
    log = _guard_log(serve, tmp_path, contract)
    lines = log.read_bytes().splitlines(keepends=True)
    lines[3] = lines[3].replace(b'"127.0.0.1"', b'"10.9.9.9"')
    log.write_bytes(b"".join(lines))
    assert (
        apiward("api", "add", "tracker", "--spec", str(contract), "--store", store).returncode == 0
    )
    refused = apiward("ingest", str(log), "--store", store)
    assert refused.returncode == 2
    assert f"{log}:4" in refused.stderr
    assert "edited" in refused.stderr
    assert "nothing recorded" in refused.stderr
    assert "Traceback" not in refused.stderr
    taken = apiward("ingest", str(log), "--store", store, "--accept-broken")
    assert taken.returncode == 0, taken.stderr
    assert "warning" in taken.stderr
    assert "3 new event(s)" in taken.stdout


def test_the_cli_verifies_a_keyed_log_and_skips_checkpoints(
    apiward: Cli, serve: Serve, tmp_path: Path, contract: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A keyed log needs its key; checkpoint lines are verified, never recorded as traffic."""
    store = str(tmp_path / "s.db")
    key = tmp_path / "audit.key"
    key.write_text("k" * 32)
    log = _guard_log(serve, tmp_path, contract, key_file=str(key), checkpoint_every=3)
    assert b'"kind":"checkpoint"' in log.read_bytes()
    apiward("api", "add", "tracker", "--spec", str(contract), "--store", store)
    unkeyed = apiward("ingest", str(log), "--store", store)
    assert unkeyed.returncode == 2
    assert "give the key" in unkeyed.stderr
    keyed = apiward("ingest", str(log), "--store", store, "--key", str(key), "--api", "tracker")
    assert keyed.returncode == 0, keyed.stderr
    assert "8 new event(s)" in keyed.stdout
    assert "(2 decision, 6 request)" in keyed.stdout
    assert "shadow" in keyed.stdout
    assert "zombie" in keyed.stdout
    listed = apiward("api", "endpoints", "tracker", "--state", "shadow", "--store", store)
    assert "GET /internal/metrics" in listed.stdout
    assert "GET /tasks" not in listed.stdout
