"""A store as the dashboard finds it after two scans of an orders API, its guard's log, its users."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from apiward.cli.ingest import traffic_describer
from apiward.core.events import GENESIS, AuditEvent
from apiward.core.findings import Exchange, Finding, RecordedRequest, RecordedResponse, Severity
from apiward.report.model import Ran, Report, Skipped
from apiward.server.schema import open_dashboard_store
from apiward.server.users import Role, create_user
from apiward.spec import load
from apiward.store import record_run
from apiward.store.apis import add_api
from apiward.store.ingest import ingest_events

TOKEN = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXVzZXItdG9rZW4.sig-9f8e7d6c5b4a"
PASSWORD = "a long enough password"
USERS = {
    "vera": Role.VIEWER,
    "vic": Role.VIEWER,
    "tom": Role.TRIAGER,
    "tess": Role.TRIAGER,
    "ada": Role.ADMIN,
}
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
TARGET = "http://127.0.0.1:9"


def _finding(check: str, operation: str, severity: Severity, title: str, owasp: str) -> Finding:
    request = RecordedRequest(
        method="GET",
        url=f"{TARGET}/orders/ord_1",
        headers=(("authorization", f"Bearer {TOKEN}"),),
    )
    return Finding(
        check=check,
        title=title,
        severity=severity,
        operation=operation,
        key="path order_id",
        owasp=owasp,
        reproduction=f"curl -H 'Authorization: Bearer {TOKEN}' {TARGET}/orders/ord_1",
        evidence=(
            Exchange(
                request=request,
                response=RecordedResponse(
                    status=200,
                    body='{"id": "ord_1", "owner": "alice"}',
                    elapsed_ms=61.43041900031676,  # as a clock measures it
                ),
            ),
        ),
    )


BOLA = _finding(
    "bola", "GET /orders/{order_id}", Severity.HIGH, "bob reads alice's order", "API1:2023"
)
# A 2019 id: the filter reads it as the 2023 category that took it in (Injection).
SQLI = _finding("sqli", "GET /orders", Severity.CRITICAL, "SQL error on a quote in q", "API8:2019")
CORS = _finding(
    "cors", "GET /orders", Severity.MEDIUM, "any origin may read with credentials", "API8:2023"
)


def _run(*found: Finding, day: int, skipped: tuple[tuple[str, str], ...] = ()) -> Report:
    ran = [("bola", "GET /orders/{order_id}"), ("sqli", "GET /orders"), ("cors", "GET /orders")]
    return Report(
        tool="scan",
        target=TARGET,
        started=T0 + timedelta(days=day),
        finished=T0 + timedelta(days=day, minutes=3),
        findings=found,
        ran=tuple(Ran(check=c, operation=o) for c, o in ran if (c, o) not in skipped),
        skipped=tuple(
            Skipped(check=c, operation=o, reason="no harvested id", detail="no order listed")
            for c, o in skipped
        ),
        complete=True,
        stats={"requests": 120},
        notes=(),
        contract=f"{TARGET}/openapi.json",
    )


def contract() -> dict[str, Any]:
    """The orders API's contract: a bearer token everywhere, one operation deprecated."""
    order_id = {"name": "order_id", "in": "path", "required": True, "schema": {"type": "string"}}
    order = {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "owner": {"type": "string"},
            "email": {"type": "string", "format": "email"},
        },
    }
    ok = {"description": "ok", "content": {"application/json": {"schema": order}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "orders", "version": "1"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
            "/orders": {"get": {"operationId": "listOrders", "responses": {"200": ok}}},
            "/orders/{order_id}": {
                "get": {
                    "operationId": "getOrder",
                    "parameters": [order_id],
                    "responses": {"200": ok},
                },
                "delete": {
                    "operationId": "deleteOrder",
                    "deprecated": True,
                    "parameters": [order_id],
                    "responses": {"204": {"description": "gone"}},
                },
            },
            "/health": {"get": {"security": [], "responses": {"200": {"description": "up"}}}},
        },
    }


# The guard's log over the last three days: (hours ago, client, method, path, status, refused by).
TRAFFIC = [
    (70, "198.51.100.7", "GET", "/orders/ord_1", 200, None),
    (50, "198.51.100.7", "GET", "/orders/abc'--", 422, "validate.invalid"),
    (49, "198.51.100.7", "GET", "/orders/abc'--", 422, "validate.invalid"),
    (30, "203.0.113.50", "GET", "/orders", 401, "authn.missing"),
    (20, "198.51.100.7", "GET", "/internal/debug", 200, None),
    (5, "192.0.2.33", "DELETE", "/orders/ord_2", 204, None),
    (2, "198.51.100.7", "GET", "/orders", 429, "ratelimit.exceeded"),
]


def guard_log(now: datetime) -> list[AuditEvent]:
    """TRAFFIC as a chained audit log: a refused request logs a decision, then the request."""
    events: list[AuditEvent] = []
    previous = GENESIS
    for number, (ago, client, method, path, status, rule) in enumerate(TRAFFIC, start=1):
        at = (now - timedelta(hours=ago)).isoformat().replace("+00:00", "Z")
        for kind in ("decision", "request") if rule else ("request",):
            event = AuditEvent(
                ts=at,
                kind=kind,
                request_id=f"g-{number}",
                method=method,
                path=path,
                client=client,
                outcome="refused" if rule else "allowed",
                status=status,
                reason=rule,
            ).chained(previous)
            events.append(event)
            previous = event.hash
    return events


NO_SECURITY = Finding(
    check="contract.authentication.no-security",
    title="GET /health asks for no credentials",
    severity=Severity.LOW,
    operation="GET /health",
    owasp="API2:2023",
)


def _audit(spec: Path) -> Report:
    return Report(
        tool="audit contract",
        target=str(spec),
        started=T0 + timedelta(days=1, hours=1),
        finished=T0 + timedelta(days=1, hours=1, seconds=2),
        findings=(NO_SECURITY,),
        ran=(Ran(check=NO_SECURITY.check, operation=None),),
        skipped=(),
        complete=True,
        stats={},
        notes=(),
    )


def build(url: str | Path) -> Engine:
    """Two scans of API ``orders`` (BOLA stays open, SQLi is fixed, CORS appears), then an
    audit of its contract (run 3); three users.

    Its guard's log (``TRAFFIC``) is ingested against it, relative to now, so the guard
    page's default window shows it.
    """
    engine = open_dashboard_store(str(url))
    spec = Path(str(url)).with_name("orders.json")
    spec.write_text(json.dumps(contract()))
    add_api(engine, "orders", spec=str(spec), target=TARGET, schedule="0 3 * * *")
    record_run(engine, _run(BOLA, SQLI, day=0), api="orders", secrets=[TOKEN])
    record_run(
        engine,
        _run(BOLA, CORS, day=1, skipped=(("ssrf", "POST /webhooks"),)),
        api="orders",
        secrets=[TOKEN],
    )
    record_run(engine, _audit(spec), api="orders")
    events = guard_log(datetime.now(UTC))
    describe = traffic_describer(load(str(spec)))
    ingest_events(engine, events, api="orders", log=events[0].hash, describe=describe)
    for name, role in USERS.items():
        create_user(engine, name, PASSWORD, role)
    return engine


def rescan(engine: Engine) -> int:
    """A third scan of orders: BOLA again, SQLi back (regressed), CORS gone (fixed); its id."""
    return record_run(engine, _run(BOLA, SQLI, day=2), api="orders", secrets=[TOKEN]).run.id
