"""bola on items an object lists by code: an order's ``"tickets": ["TKT-A1C3", ...]``.

A ticketing API written the Litestar way (in Starlette): Litestar's error shape
``{"status_code": 404, "detail": "Not Found"}``, each order listing its tickets' codes as
plain strings, and ``GET /tickets/{code}`` reading one. No listing or creation answers a
ticket object, so in the Litestar trial no harvested id fit ``{code}`` and any attendee's
reading of another's ticket went untried. The codes an order lists are its tickets' own
ids: the flawed build, which reads any ticket by code, is reported; the careful one is not.
"""

from __future__ import annotations

from typing import Any

import pytest
from ownership_support import scan_app
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from apiward.core.findings import Severity
from apiward.scan import Identity
from apiward.scan.checks.bola import Bola
from serving import serving

TOKENS = {"tk-alice-9f": 1, "tk-bob-3c": 2}
ORDERS = {
    1: {"user_id": 1, "event_id": 4, "quantity": 2, "tickets": ["TKT-A1C3", "TKT-A1C4"]},
    2: {"user_id": 2, "event_id": 4, "quantity": 1, "tickets": ["TKT-B2D1"]},
}
TICKETS = {
    "TKT-A1C3": {"order_id": 1, "holder": "Alice Attendee", "seat": "A1"},
    "TKT-A1C4": {"order_id": 1, "holder": "Alice Attendee", "seat": "A2"},
    "TKT-B2D1": {"order_id": 2, "holder": "Bob Buyer", "seat": "C7"},
}
JSON = "application/json"


def _contract() -> dict[str, Any]:
    order = {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "event_id": {"type": "integer"},
            "quantity": {"type": "integer"},
            "tickets": {"type": "array", "items": {"type": "string"}},
        },
    }
    ticket = {
        "type": "object",
        "properties": {
            "code": {"type": "string"},
            "holder": {"type": "string"},
            "seat": {"type": "string"},
        },
    }
    code = {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}

    def answer(schema: dict[str, Any]) -> dict[str, Any]:
        return {"200": {"description": "OK", "content": {JSON: {"schema": schema}}}}

    return {
        "openapi": "3.1.0",
        "info": {"title": "Ticketbooth", "version": "1.0.0"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
            "/orders": {
                "get": {
                    "summary": "My orders",
                    "responses": answer({"type": "array", "items": order}),
                }
            },
            "/tickets/{code}": {
                "get": {"summary": "A ticket", "parameters": [code], "responses": answer(ticket)}
            },
        },
    }


def booth(*, careful: bool) -> Starlette:
    """The app; ``careful`` answers a ticket only to the holder of its order."""

    def who(request: Request) -> int | None:
        return TOKENS.get(request.headers.get("authorization", "").removeprefix("Bearer "))

    def detail(status: int, text: str) -> Response:
        return JSONResponse({"status_code": status, "detail": text}, status_code=status)

    async def spec(request: Request) -> Response:
        return JSONResponse(_contract())

    async def orders(request: Request) -> Response:
        uid = who(request)
        if uid is None:
            return detail(401, "No credentials were provided")
        return JSONResponse([{"id": k, **o} for k, o in ORDERS.items() if o["user_id"] == uid])

    async def ticket(request: Request) -> Response:
        uid, code = who(request), request.path_params["code"]
        if uid is None:
            return detail(401, "No credentials were provided")
        found = TICKETS.get(code)
        if found is None or (careful and ORDERS[found["order_id"]]["user_id"] != uid):
            return detail(404, "Not Found")
        return JSONResponse({"code": code, "holder": found["holder"], "seat": found["seat"]})

    return Starlette(
        routes=[
            Route("/schema/openapi.json", spec),
            Route("/openapi.json", spec),
            Route("/orders", orders),
            Route("/tickets/{code}", ticket),
        ]
    )


def _attendees() -> tuple[Identity, ...]:
    return tuple(
        Identity(name=name, role="attendee", headers={"Authorization": f"Bearer {token}"})
        for token, name in (("tk-alice-9f", "alice"), ("tk-bob-3c", "bob"))
    )


@pytest.mark.parametrize("careful", [False, True], ids=["any-ticket", "holders-only"])
def test_tickets_listed_by_code_are_tried(careful: bool) -> None:
    """Each attendee's tickets, known only by the codes its orders list, are tried by the
    other: a finding where any attendee reads them, none where only the holder does."""
    with serving(booth(careful=careful)) as url:
        results = scan_app(url, Bola(), _attendees())
    loud = [f for f in results.findings if f.severity >= Severity.MEDIUM]
    ran = {op for check, op in results.ran if check == "bola"}
    assert "GET /tickets/{code}" in ran, results.skipped
    if careful:
        assert loud == []
    else:
        assert [f.operation for f in loud] == ["GET /tickets/{code}"]
