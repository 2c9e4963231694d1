"""A store as the dashboard finds it after two scans of an orders API, and its users."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from apiward.core.findings import Exchange, Finding, RecordedRequest, RecordedResponse, Severity
from apiward.report.model import Ran, Report, Skipped
from apiward.server.schema import open_dashboard_store
from apiward.server.users import Role, create_user
from apiward.store import record_run

TOKEN = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXVzZXItdG9rZW4.sig-9f8e7d6c5b4a"
PASSWORD = "a long enough password"
USERS = {"vera": Role.VIEWER, "tom": Role.TRIAGER, "ada": Role.ADMIN}
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
TARGET = "http://127.0.0.1:9"


def _finding(check: str, operation: str, severity: Severity, title: str) -> Finding:
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
        reproduction=f"curl -H 'Authorization: Bearer {TOKEN}' {TARGET}/orders/ord_1",
        evidence=(
            Exchange(
                request=request,
                response=RecordedResponse(status=200, body='{"id": "ord_1", "owner": "alice"}'),
            ),
        ),
    )


BOLA = _finding("bola", "GET /orders/{order_id}", Severity.HIGH, "bob reads alice's order")
SQLI = _finding("sqli", "GET /orders", Severity.CRITICAL, "SQL error on a quote in q")
CORS = _finding("cors", "GET /orders", Severity.MEDIUM, "any origin may read with credentials")


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


def build(url: str | Path) -> Engine:
    """Two runs of API ``orders``: BOLA stays open, SQLi is fixed, CORS appears; three users."""
    engine = open_dashboard_store(str(url))
    record_run(engine, _run(BOLA, SQLI, day=0), api="orders", secrets=[TOKEN])
    record_run(
        engine,
        _run(BOLA, CORS, day=1, skipped=(("ssrf", "POST /webhooks"),)),
        api="orders",
        secrets=[TOKEN],
    )
    for name, role in USERS.items():
        create_user(engine, name, PASSWORD, role)
    return engine
