"""A creation refused as a conflict is made again on a later day, and cleaned up after.

A desk-booking API in Starlette: ``POST /bookings`` takes a desk and a day, and answers
``409 {"detail": "Desk already booked for that day"}`` when the desk is taken that day.
The contract's example day is taken by a seeded booking, so every identity's first try
collides; the next day is free. The scan must get its own bookings made, test them, and
leave only the seeded one behind. Django REST Framework says the same with a 400:
``{"non_field_errors": ["This desk is already booked at that time."]}`` (the DRF trial's
bookings were all refused so, and none was retried).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tests.conftest import scan_with_identities

from serving import serving

KEYS = {"Bearer tk-rosa-1": "rosa", "Bearer tk-ivan-2": "ivan"}
IDENTITIES = """\
identities:
  - name: rosa
    headers: {Authorization: Bearer tk-rosa-1}
  - name: ivan
    headers: {Authorization: Bearer tk-ivan-2}
"""
DAY = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$", "example": "2027-03-15"}
NEW = {
    "type": "object",
    "required": ["deskId", "date"],
    "properties": {"deskId": {"type": "integer", "example": 2}, "date": DAY},
}
BOOKING = {
    "type": "object",
    "properties": {"id": {"type": "string"}, "deskId": {"type": "integer"}, "date": DAY},
}
ID = [{"name": "booking_id", "in": "path", "required": True, "schema": {"type": "string"}}]
CONTRACT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "desks", "version": "1"},
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/bookings": {
            "get": {
                "responses": {
                    "200": {
                        "description": "mine",
                        "content": {
                            "application/json": {"schema": {"type": "array", "items": BOOKING}}
                        },
                    }
                }
            },
            "post": {
                "requestBody": {"required": True, "content": {"application/json": {"schema": NEW}}},
                "responses": {
                    "201": {
                        "description": "booked",
                        "content": {"application/json": {"schema": BOOKING}},
                    },
                    "409": {"description": "the desk is taken that day"},
                },
            },
        },
        "/bookings/{booking_id}": {
            "get": {
                "parameters": ID,
                "responses": {
                    "200": {
                        "description": "one",
                        "content": {"application/json": {"schema": BOOKING}},
                    }
                },
            },
            "delete": {"parameters": ID, "responses": {"204": {"description": "cancelled"}}},
        },
    },
}
SEEDED = "0d8e2c34-5a51-4b1e-9c6f-2f1a7b9d3e10"
TAKEN = {"detail": "Desk already booked for that day"}
DRF = {"non_field_errors": ["This desk is already booked at that time."]}


class Desks:
    """Bookings by id; one desk per day."""

    def __init__(self, refusal: tuple[int, dict[str, Any]] = (409, TAKEN)) -> None:
        self.bookings = {SEEDED: {"id": SEEDED, "deskId": 2, "date": "2027-03-15", "by": "rosa"}}
        self.refusal = refusal

    def app(self) -> Starlette:
        """The service as an ASGI app."""

        def who(request: Request) -> str | None:
            return KEYS.get(request.headers.get("authorization", ""))

        async def contract(request: Request) -> Response:
            return JSONResponse(CONTRACT)

        async def bookings(request: Request) -> Response:
            user = who(request)
            if user is None:
                return JSONResponse({"detail": "Not authenticated"}, status_code=401)
            if request.method == "GET":
                mine = [_public(b) for b in self.bookings.values() if b["by"] == user]
                return JSONResponse(mine)
            body = await request.json()
            desk, day = body.get("deskId"), body.get("date")
            if not isinstance(desk, int) or not isinstance(day, str):
                return JSONResponse({"detail": "deskId and date are required"}, status_code=422)
            if any(b["deskId"] == desk and b["date"] == day for b in self.bookings.values()):
                return JSONResponse(self.refusal[1], status_code=self.refusal[0])
            made = {"id": str(uuid.uuid4()), "deskId": desk, "date": day, "by": user}
            self.bookings[made["id"]] = made
            return JSONResponse(_public(made), status_code=201)

        async def booking(request: Request) -> Response:
            user = who(request)
            found = self.bookings.get(request.path_params["booking_id"])
            if user is None or found is None or found["by"] != user:
                return JSONResponse({"detail": "Not found"}, status_code=404)
            if request.method == "DELETE":
                del self.bookings[found["id"]]
                return Response(status_code=204)
            return JSONResponse(_public(found))

        return Starlette(
            routes=[
                Route("/openapi.json", contract),
                Route("/bookings", bookings, methods=["GET", "POST"]),
                Route("/bookings/{booking_id}", booking, methods=["GET", "DELETE"]),
            ]
        )


def _public(booking: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in booking.items() if k != "by"}


@pytest.mark.parametrize("refusal", [(409, TAKEN), (400, DRF)], ids=["409", "drf-400"])
def test_a_taken_day_moves_on_and_the_bookings_go(
    tmp_path: Path, refusal: tuple[int, dict[str, Any]]
) -> None:
    """Each identity's booking is made (a later day) and tested; only the seeded one stays."""
    desks = Desks(refusal)
    with serving(desks.app()) as url:
        result, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "auth_bypass")
    assert result.returncode in {0, 1}, result.stdout[-3000:]
    skipped = [s for s in report["skipped"] if s["operation"] == "POST /bookings"]
    assert all(str(refusal[0]) not in s.get("detail", "") for s in skipped), skipped
    assert ["auth_bypass", "POST /bookings"] in [list(r) for r in report["ran"]] or not skipped
    assert list(desks.bookings) == [SEEDED]
