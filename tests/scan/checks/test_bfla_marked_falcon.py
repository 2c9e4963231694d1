"""bfla on a read whose description says who may call it: a Falcon clinic.

Patients book and read their own appointments; ``GET /appointments/board`` is the front
desk's day board, every patient's slot with their phone number. Nothing in its path or
tag says so: its description does ("Staff only."). The flawed clinic answers a patient
the board exactly as it answers a nurse; the twin refuses patients. The patients' own
listing answers each one differently and is no finding.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import falcon
import falcon.asgi
import pytest
from ownership_support import scan_app

from apiward.core.findings import Confidence, Severity
from apiward.scan import Identity
from apiward.scan.checks.bfla import Bfla

BEARERS = {"b-pia": ("pia", "patient"), "b-rob": ("rob", "patient"), "b-nora": ("nora", "nurse")}
BOOKED = {
    "pia": [{"slot": "09:00", "doctor": "Dr Haas"}],
    "rob": [{"slot": "09:20", "doctor": "Dr Lind"}],
    "nora": [],
}
BOARD = [
    {"slot": "08:40", "patient": "M. Okafor", "phone": "+44 7700 900123", "reason": "follow-up"},
    {"slot": "10:10", "patient": "S. Varga", "phone": "+44 7700 900456", "reason": "blood test"},
]
_LIST = {
    "content": {"application/json": {"schema": {"type": "array", "items": {"type": "object"}}}}
}
CONTRACT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "clinic", "version": "1.4.0"},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "tags": [{"name": "appointments"}],
    "paths": {
        "/appointments": {
            "get": {
                "tags": ["appointments"],
                "summary": "Your appointments",
                "responses": {"200": {"description": "yours", **_LIST}},
            }
        },
        "/appointments/board": {
            "get": {
                "tags": ["appointments"],
                "summary": "Today's board",
                "description": "Every booked slot of the day with the patient's phone. Staff only.",
                "responses": {"200": {"description": "the board", **_LIST}},
            }
        },
    },
}


class _Auth:
    """Falcon middleware: who calls, on ``req.context.who``; 401 without a known bearer."""

    async def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        if req.path == "/openapi.json":
            return
        token = (req.get_header("Authorization") or "").removeprefix("Bearer ")
        if token not in BEARERS:
            raise falcon.HTTPUnauthorized(title="Unauthorized", description="bearer token required")
        req.context.who = BEARERS[token]


class _Mine:
    async def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = BOOKED[req.context.who[0]]


class _Board:
    def __init__(self, *, checks_role: bool) -> None:
        self.checks_role = checks_role

    async def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        if self.checks_role and req.context.who[1] != "nurse":
            raise falcon.HTTPForbidden(description="front desk staff only")
        resp.media = BOARD


class _Contract:
    async def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = CONTRACT


def clinic(*, checks_role: bool) -> falcon.asgi.App:
    """The clinic; ``checks_role`` refuses the board to patients."""
    app = falcon.asgi.App(middleware=[_Auth()])
    app.add_route("/openapi.json", _Contract())
    app.add_route("/appointments", _Mine())
    app.add_route("/appointments/board", _Board(checks_role=checks_role))
    return app


def _people() -> tuple[Identity, ...]:
    def bearer(name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer b-{name}"}

    return (
        Identity(name="pia", role="patient", headers=bearer("pia")),
        Identity(name="rob", role="patient", headers=bearer("rob")),
        Identity(name="nora", role="nurse", rank=3, headers=bearer("nora")),
    )


@pytest.mark.parametrize("checks_role", [False, True], ids=["flawed", "fixed"])
def test_a_patient_reading_a_board_described_staff_only_is_found(
    serve: Callable[..., Any], checks_role: bool
) -> None:
    """'Staff only.' in the description and the nurse's very answer: medium, firm; the twin: none."""
    server = serve(clinic(checks_role=checks_role))
    results = scan_app(server.url, Bfla(), _people())
    assert results.errors == []
    loud = {f.operation: f for f in results.findings if f.severity > Severity.LOW}
    if checks_role:
        assert loud == {}
        return
    assert set(loud) == {"GET /appointments/board"}
    finding = loud["GET /appointments/board"]
    assert (finding.severity, finding.confidence) == (Severity.MEDIUM, Confidence.FIRM)
    assert "its description says 'Staff only.'" in finding.detail
    assert [e.response.status for e in finding.evidence if e.response] == [200, 401, 200]
