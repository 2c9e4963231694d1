"""Audit: hash-chained events per request and refusal, tamper detection, alert rules."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any

import orjson
import pytest

from apiward.core.events import AuditEvent
from apiward.guard import AlertRule, AuditPolicy, RateLimitPolicy, ResponsePolicy
from apiward.guard.audit import chained_line
from apiward.guard.auditverify import verify_log

pytestmark = pytest.mark.anyio


def _events(path: Path) -> list[AuditEvent]:
    """The log's events about requests (checkpoints and seals left out)."""
    every = [AuditEvent.from_json(line) for line in path.read_bytes().splitlines()]
    return [e for e in every if e.kind not in {"checkpoint", "seal"}]


async def _traffic(guarded: Callable[..., Any], log: Path, **sections: Any) -> None:
    async with guarded(audit=AuditPolicy(sink=str(log)), **sections) as http:
        await http.get("/items/7")
        await http.get("/items?limit=1000")
        await http.get("/admin")
        await http.post("/items", json={"name": "pen", "role": "admin"})


async def test_one_event_per_request_and_per_refusal(
    guarded: Callable[..., Any], tmp_path: Path
) -> None:
    """An allowed request gives a request event; a refused one a decision and a request event."""
    log = tmp_path / "audit.jsonl"
    await _traffic(guarded, log)
    events = _events(log)
    assert [(e.kind, e.outcome) for e in events] == [("request", "allowed")] + [
        ("decision", "refused"),
        ("request", "refused"),
    ] * 3
    decision = events[1]
    assert (decision.reason, decision.route, decision.status, decision.query) == (
        "validate.invalid",
        "/items",
        422,
        ("limit",),
    )
    assert events[3].reason == "route.unknown"
    assert events[0].operation_id == "get_item"
    assert events[0].latency_ms is not None


@pytest.mark.parametrize("response", [True, False], ids=["response stage", "no response stage"])
async def test_each_event_names_the_media_type_the_client_got(
    guarded: Callable[..., Any], tmp_path: Path, response: bool
) -> None:
    """The API's JSON, or the guard's own problem document for a refusal (it was always null)."""
    log = tmp_path / "audit.jsonl"
    await _traffic(guarded, log, response=ResponsePolicy(enabled=response))
    answers = [e.response_content_type for e in _events(log) if e.kind == "request"]
    assert answers == ["application/json"] + ["application/problem+json"] * 3


async def test_the_chain_verifies_and_continues_across_restarts(
    guarded: Callable[..., Any], tmp_path: Path
) -> None:
    """Two guard runs appending to one log still form one intact chain."""
    log = tmp_path / "audit.jsonl"
    await _traffic(guarded, log)
    await _traffic(guarded, log)
    verdict = verify_log(log)
    assert (verdict.intact, verdict.events, verdict.checkpoints) == (True, 14, 2)


async def test_a_clean_shutdown_seals_the_log(guarded: Callable[..., Any], tmp_path: Path) -> None:
    """The last line of a clean run is a seal counting the lines before it."""
    log = tmp_path / "audit.jsonl"
    await _traffic(guarded, log)
    last = AuditEvent.from_json(log.read_bytes().splitlines()[-1])
    assert (last.kind, last.extra) == ("seal", {"events": 7})
    assert verify_log(log).sealed


async def test_alert_rule_writes_an_alert_and_bans(
    guarded: Callable[..., Any], tmp_path: Path
) -> None:
    """3 invalid requests from one client in a minute → an alert event, then a ban."""
    log = tmp_path / "audit.jsonl"
    rule = AlertRule(name="probing", reason="validate.invalid", threshold=3, window=60, ban=60)
    async with guarded(
        audit=AuditPolicy(sink=str(log), alerts=(rule,)),
        ratelimit=RateLimitPolicy(limits=("100/minute",)),
    ) as http:
        codes = [(await http.get("/items?limit=1000")).status_code for _ in range(3)]
        after = await http.get("/items/7")
    alerts = [e for e in _events(log) if e.kind == "alert"]
    assert codes == [422, 422, 422]
    assert [a.reason for a in alerts] == ["probing"]
    assert after.json()["type"].endswith("ratelimit.banned")


async def test_alert_on_upstream_status(guarded: Callable[..., Any], tmp_path: Path) -> None:
    """status:404 rules count the app's answers (e.g. failed logins are the app's 401s)."""
    log = tmp_path / "audit.jsonl"
    rule = AlertRule(name="not-found-scan", reason="status:404", threshold=2, window=60)
    async with guarded(audit=AuditPolicy(sink=str(log), alerts=(rule,))) as http:
        for _ in range(2):
            await http.get("/nothing-here")
    assert [e.reason for e in _events(log) if e.kind == "alert"] == ["not-found-scan"]


async def test_sqlite_sink(guarded: Callable[..., Any], tmp_path: Path) -> None:
    """sqlite:///path stores one row per event, chained."""
    db = tmp_path / "audit.db"
    async with guarded(audit=AuditPolicy(sink=f"sqlite://{db}")) as http:
        await http.get("/items/7")
        await http.get("/admin")
    rows = sqlite3.connect(db).execute("SELECT body FROM events ORDER BY seq").fetchall()
    events = [AuditEvent.from_json(r[0]) for r in rows]
    assert [e.kind for e in events] == ["request", "decision", "request", "seal"]
    assert all(e.verify() for e in events)
    assert events[1].prev == events[0].hash


async def test_stdout_sink(guarded: Callable[..., Any], capfd: pytest.CaptureFixture[str]) -> None:
    """stdout writes JSONL lines to standard output."""
    async with guarded(audit=AuditPolicy(sink="stdout")) as http:
        await http.get("/items/7")
    out = capfd.readouterr().out.strip().splitlines()
    assert AuditEvent.from_json(out[-2]).route == "/items/{item_id}"
    assert AuditEvent.from_json(out[-1]).kind == "seal"


async def test_the_clients_request_id_is_kept_beside_the_guards(
    guarded: Callable[..., Any], tmp_path: Path
) -> None:
    """A client's X-Request-Id (a scanner's probe id) is in the event's extra, bounded."""
    log = tmp_path / "audit.jsonl"
    async with guarded(audit=AuditPolicy(sink=str(log))) as http:
        await http.get("/items/7", headers={"X-Request-Id": "apiward-r1-1"})
        await http.get("/admin", headers={"X-Request-Id": "x" * 500})
        await http.get("/items/8")
    events = _events(log)
    assert [e.extra.get("client_request_id") for e in events] == [
        "apiward-r1-1",
        "x" * 128,
        "x" * 128,
        None,
    ]
    assert all(e.request_id != e.extra.get("client_request_id") for e in events)
    assert verify_log(log).intact


async def test_events_never_carry_query_values(guarded: Callable[..., Any], tmp_path: Path) -> None:
    """Only query parameter names are logged: values may be secrets."""
    log = tmp_path / "audit.jsonl"
    async with guarded(audit=AuditPolicy(sink=str(log))) as http:
        await http.get("/items?access_token=s3cr3t-value")
    assert b"s3cr3t-value" not in log.read_bytes()


async def test_written_lines_carry_exactly_the_audit_event_fields(
    guarded: Callable[..., Any], tmp_path: Path
) -> None:
    """The guard's hand-built event lines have every AuditEvent field and nothing else."""
    log = tmp_path / "audit.jsonl"
    await _traffic(guarded, log)
    names = {f.name for f in fields(AuditEvent)}
    assert all(set(orjson.loads(line)) == names for line in log.read_bytes().splitlines())


async def test_written_lines_are_the_reference_serialisation(
    guarded: Callable[..., Any], tmp_path: Path
) -> None:
    """Each line the guard writes is byte for byte AuditEvent.to_json() of what it holds."""
    log = tmp_path / "audit.jsonl"
    await _traffic(guarded, log)
    lines = log.read_bytes().splitlines()
    assert any(b'"field"' in line for line in lines)
    assert all(AuditEvent.from_json(line).to_json() == line for line in lines)


@pytest.mark.parametrize(
    "extra",
    [{}, {"field": "body/name"}, {'x"hash': ""}, {"hash": ""}],
    ids=["empty", "field", "escaped-lookalike", "nested-hash"],
)
def test_chained_line_is_the_reference_serialisation(extra: dict[str, Any]) -> None:
    """chained_line gives the bytes and hash of AuditEvent.chained().to_json(), lookalikes too."""
    event = AuditEvent(
        ts="2026-01-01T00:00:00.000000Z",
        kind="request",
        request_id="r-1",
        method="GET",
        path="/items/7",
        client="127.0.0.1",
        outcome="allowed",
        query=('a"hash":""',),
        extra=extra,
    )
    reference = event.chained("f" * 64)
    line, digest = chained_line({f.name: getattr(event, f.name) for f in fields(event)}, "f" * 64)
    assert (line, digest) == (reference.to_json(), reference.hash)
