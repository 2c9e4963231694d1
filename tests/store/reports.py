"""Reports as verbs build them, made small for store tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from apiward.core.findings import (
    Exchange,
    Finding,
    Location,
    RecordedRequest,
    RecordedResponse,
    Severity,
)
from apiward.report.model import Ran, Report, Skipped

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def finding(
    check: str = "bola",
    operation: str | None = "GET /orders/{order_id}",
    *,
    severity: Severity = Severity.HIGH,
    key: str = "path order_id",
    title: str = "bob reads alice's order",
    location: Location | None = None,
    token: str = "",
) -> Finding:
    """A finding with one recorded exchange (carrying ``token`` as a bearer, if given)."""
    headers = (("authorization", f"Bearer {token}"),) if token else ()
    request = RecordedRequest(method="GET", url="http://127.0.0.1:9/orders/ord_1", headers=headers)
    return Finding(
        check=check,
        title=title,
        severity=severity,
        operation=operation,
        location=location,
        key=key,
        evidence=(Exchange(request=request, response=RecordedResponse(status=200, body="{}")),),
    )


def scan(
    *findings: Finding,
    ran: tuple[tuple[str, str | None], ...] = (),
    skipped: tuple[tuple[str, str | None], ...] = (),
    complete: bool = True,
    tool: str = "scan",
    day: int = 0,
) -> Report:
    """A run of ``tool`` that ran and skipped the given check × operation pairs."""
    return Report(
        tool=tool,
        target="http://127.0.0.1:9",
        started=T0 + timedelta(days=day),
        finished=T0 + timedelta(days=day, minutes=5),
        findings=findings,
        ran=tuple(Ran(check=c, operation=o) for c, o in ran),
        skipped=tuple(
            Skipped(check=c, reason="precondition not met", operation=o) for c, o in skipped
        ),
        complete=complete,
        stats={"requests": 42},
        notes=("a note",),
        contract="http://127.0.0.1:9/openapi.json",
    )
