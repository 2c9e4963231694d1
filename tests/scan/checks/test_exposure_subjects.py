"""excessive_data: personal data is a person's; a venue's city and the caller's own note are not.

The NestJS trial's public event page showed its venue's undeclared ``city``, and an order its
buyer's own ``notes``: both were reported as "undeclared personal or internal data", medium.
An undeclared field is still reported, as an undeclared property (low). A person's address,
or a note marked as staff's, stays medium.
"""

from __future__ import annotations

from typing import Any

import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tiny_support import app, caller, operation, scan_app

from apiward.core.findings import Severity
from apiward.scan.checks.exposure import ExcessiveData

_NAMED = {"type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"}}}
_EVENT = {
    "type": "object",
    "properties": {"id": {"type": "string"}, "title": {"type": "string"}, "organizer": _NAMED},
}
_ORDER = {
    "type": "object",
    "properties": {"id": {"type": "string"}, "total": {"type": "integer"}, "buyer": _NAMED},
}
PATHS = {
    "/v1/events/{slug}": {
        "get": {
            **operation(_EVENT),
            "parameters": [
                {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
        }
    },
    "/v1/orders/mine": {"get": operation(_ORDER)},
}


def _tickets() -> Any:
    async def event(request: Request) -> Response:
        if caller(request) is None:
            return JSONResponse({"statusCode": 401, "message": "Unauthorized"}, 401)
        return JSONResponse(
            {
                "id": "e1",
                "title": "Summer Rock Night",
                "city": "Lisbon",
                "organizer": {"name": "Acme Live", "email": "ana.costa@example.org"},
            }
        )

    async def order(request: Request) -> Response:
        if caller(request) is None:
            return JSONResponse({"statusCode": 401, "message": "Unauthorized"}, 401)
        return JSONResponse(
            {
                "id": "o1",
                "total": 40,
                "notes": "leave at the door",
                "internalNotes": "refund refused twice",
                "buyer": {"id": "u1", "address": "Rua Augusta 12"},
            }
        )

    routes = [Route("/v1/events/{slug}", event), Route("/v1/orders/mine", order)]
    return app(PATHS, routes)


@pytest.fixture(scope="module")
def found() -> dict[str, Any]:
    """excessive_data's findings on the ticketing API, by field path."""
    return {f.key: f for f in scan_app(_tickets(), [ExcessiveData()]).findings}


def test_a_places_address_and_the_callers_note_are_undeclared_properties(
    found: dict[str, Any],
) -> None:
    """The event's city and the order's note: low, an undeclared property."""
    for key in ("city", "notes"):
        assert found[key].severity is Severity.LOW, key
        assert "personal" not in found[key].title, key


def test_a_persons_data_and_a_staff_note_stay_medium(found: dict[str, Any]) -> None:
    """The organiser's e-mail, the buyer's address and the internal note: medium."""
    for key in ("organizer.email", "buyer.address", "internalNotes"):
        assert found[key].severity is Severity.MEDIUM, (key, sorted(found))
