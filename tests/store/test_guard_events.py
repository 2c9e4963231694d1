"""The guard-activity queries: refusals by rule and endpoint over time, the most refused clients."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from tasks_app import write_contract

from apiward.cli.ingest import traffic_describer
from apiward.core.events import GENESIS, AuditEvent
from apiward.spec import load
from apiward.store.apis import add_api
from apiward.store.guard_events import refusals_by_rule, refusals_over_time, top_refused_clients
from apiward.store.ingest import ingest_events

# Three days of a guard's log: (time, client, principal, path, refused by).
TRAFFIC = [
    ("2026-03-02T09:15:00Z", "198.51.100.7", None, "/tasks/abc", "validate.invalid"),
    ("2026-03-02T09:40:00Z", "198.51.100.7", None, "/tasks/1", None),
    ("2026-03-02T10:05:00Z", "203.0.113.50", "ines", "/tasks?status=x", "validate.invalid"),
    ("2026-03-03T22:59:59Z", "198.51.100.7", None, "/tasks", "ratelimit.exceeded"),
    ("2026-03-03T23:00:00Z", "198.51.100.7", "kofi", "/tasks", "ratelimit.exceeded"),
    ("2026-03-04T00:00:01Z", "192.0.2.33", None, "/tasks/zz", "validate.invalid"),
]


def _log() -> list[AuditEvent]:
    events, previous = [], GENESIS
    for number, (ts, client, principal, target, rule) in enumerate(TRAFFIC, start=1):
        path = target.split("?")[0]
        kinds = ("decision", "request") if rule else ("request",)
        for kind in kinds:
            event = AuditEvent(
                ts=ts,
                kind=kind,
                request_id=f"g-{number}",
                method="GET",
                path=path,
                client=client,
                principal=principal,
                outcome="refused" if rule else "allowed",
                status=(429 if rule.startswith("ratelimit") else 422) if rule else 200,
                reason=rule,
            ).chained(previous)
            events.append(event)
            previous = event.hash
    return events


def _stored(engine: Engine, tmp_path: Path) -> int:
    contract = write_contract(tmp_path)
    api = add_api(engine, "tracker", spec=str(contract))
    add_api(engine, "elsewhere")
    events = _log()
    ingest_events(
        engine,
        events,
        api="tracker",
        log=events[0].hash,
        describe=traffic_describer(load(contract)),
    )
    return api.id


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_refusals_by_day_rule_and_endpoint(engine: Engine, tmp_path: Path) -> None:
    """Each request refused counts once (not its decision too), in its UTC day."""
    api_id = _stored(engine, tmp_path)
    with engine.connect() as connection:
        daily = refusals_over_time(connection, api_id=api_id)
        hourly = refusals_over_time(connection, api_id=api_id, bucket="hour")
        later = refusals_over_time(connection, since=_at("2026-03-03 23:00:00"))
    assert [(r.start, r.rule, r.endpoint, r.count) for r in daily] == [
        (_at("2026-03-02 00:00:00"), "validate.invalid", "GET /tasks", 1),
        (_at("2026-03-02 00:00:00"), "validate.invalid", "GET /tasks/{task_id}", 1),
        (_at("2026-03-03 00:00:00"), "ratelimit.exceeded", "GET /tasks", 2),
        (_at("2026-03-04 00:00:00"), "validate.invalid", "GET /tasks/{task_id}", 1),
    ]
    assert [(r.start.hour, r.count) for r in hourly if r.rule == "ratelimit.exceeded"] == [
        (22, 1),
        (23, 1),
    ]
    assert sum(r.count for r in later) == 2


def test_refusals_by_rule_and_the_most_refused_clients(engine: Engine, tmp_path: Path) -> None:
    """Rules by count with their last refusal; clients by count, with rules and principals."""
    api_id = _stored(engine, tmp_path)
    with engine.connect() as connection:
        rules = refusals_by_rule(connection, api_id=api_id)
        clients = top_refused_clients(connection, api_id=api_id, limit=2)
        nobody = top_refused_clients(connection, api_id=api_id + 1)
    assert [(r.rule, r.count, r.last) for r in rules] == [
        ("validate.invalid", 3, _at("2026-03-04 00:00:01")),
        ("ratelimit.exceeded", 2, _at("2026-03-03 23:00:00")),
    ]
    assert [(c.client, c.count, c.rules, c.principals, c.last) for c in clients] == [
        ("198.51.100.7", 3, 2, 1, _at("2026-03-03 23:00:00")),
        ("192.0.2.33", 1, 1, 0, _at("2026-03-04 00:00:01")),
    ]
    assert nobody == []
