"""A creation answered 5xx is reported left only when its listing holds a row the scan does not know.

The Fastify trial's scan reported "13 made by POST /v2/orgs/{orgSlug}/bookings: left, it
answered 5xx" though every one failed before its insert and the database held none: a
body of no value of the scan's (room ids, seat counts) says nothing of which row it may
have written, so each was listed. The restore now reads the creator's listing: when every
row is one the harvest saw or the scan made, the failed creations made nothing.

A Starlette desk-booking API whose handler parses ``seats`` with ``int()`` and so answers
500 to a malformed one. ``insert_first`` writes the row before parsing: that twin's
failures do leave rows, and the report must still say so.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - {name: ana, role: member, headers: {X-Api-Key: desk-ana-1}}
  - {name: ben, role: member, headers: {X-Api-Key: desk-ben-2}}
"""
KEYS = {"desk-ana-1": "ana", "desk-ben-2": "ben"}
_BOOKING = {
    "type": "object",
    "required": ["desk", "seats"],
    "properties": {
        "id": {"type": "integer", "readOnly": True},
        "desk": {"type": "integer", "minimum": 1, "maximum": 40},
        "seats": {"type": "integer", "minimum": 1, "maximum": 4},
    },
}
_ID = [{"name": "booking_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "desks", "version": "1"},
    "components": {
        "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Api-Key"}}
    },
    "security": [{"key": []}],
    "paths": {
        "/bookings": {
            "get": {"responses": {"200": {"description": "mine"}}},
            "post": {
                "requestBody": {"content": {"application/json": {"schema": _BOOKING}}},
                "responses": {"201": {"description": "booked"}},
            },
        },
        "/bookings/{booking_id}": {
            "parameters": _ID,
            "get": {"responses": {"200": {"description": "one"}}},
            "delete": {"responses": {"204": {"description": "gone"}}},
        },
    },
}


class Desks:
    """Bookings by id; a malformed ``seats`` raises, before the insert or after it."""

    def __init__(self, *, insert_first: bool) -> None:
        self.insert_first = insert_first
        self.bookings: dict[int, dict[str, Any]] = {
            1: {"owner": "ana", "desk": 3, "seats": 1},
            2: {"owner": "ben", "desk": 7, "seats": 2},
        }
        self.serial = itertools.count(3)
        self.app = Starlette(
            routes=[
                Route("/openapi.json", self.contract),
                Route("/bookings", self.collection, methods=["GET", "POST"]),
                Route("/bookings/{booking_id:int}", self.item, methods=["GET", "DELETE"]),
            ]
        )

    async def contract(self, request: Request) -> Response:
        return JSONResponse(SPEC)

    async def collection(self, request: Request) -> Response:
        who = KEYS.get(request.headers.get("x-api-key", ""))
        if who is None:
            return JSONResponse({"error": "unauthorized"}, 401)
        if request.method == "GET":
            return JSONResponse([_out(k, b) for k, b in self.bookings.items() if b["owner"] == who])
        body = await request.json()
        if not isinstance(body, dict):
            return JSONResponse({"error": "expected an object"}, 400)
        key = next(self.serial)
        if self.insert_first:
            self.bookings[key] = {
                "owner": who,
                "desk": body.get("desk"),
                "seats": body.get("seats"),
            }
        try:
            booking = {"owner": who, "desk": int(body["desk"]), "seats": int(body["seats"])}
        except (KeyError, TypeError, ValueError):
            return JSONResponse({"error": "Internal Server Error"}, 500)
        self.bookings[key] = booking
        return JSONResponse(_out(key, booking), 201)

    async def item(self, request: Request) -> Response:
        who = KEYS.get(request.headers.get("x-api-key", ""))
        found = self.bookings.get(request.path_params["booking_id"])
        if who is None or found is None or found["owner"] != who:
            return JSONResponse({"error": "not found"}, 404)
        if request.method == "DELETE":
            del self.bookings[request.path_params["booking_id"]]
            return Response(status_code=204)
        return JSONResponse(_out(request.path_params["booking_id"], found))


def _out(key: int, booking: dict[str, Any]) -> dict[str, Any]:
    return {"id": key, "desk": booking["desk"], "seats": booking["seats"]}


@pytest.mark.parametrize("insert_first", [False, True], ids=["fails-before", "fails-after"])
def test_failed_creations_are_listed_only_when_they_left_a_row(
    insert_first: bool, tmp_path: Path
) -> None:
    """Failing before the insert: nothing reported left. After it: the rows left are reported."""
    desks = Desks(insert_first=insert_first)
    with serving(desks.app) as url:
        done, report = scan_with_identities(
            url, IDENTITIES, tmp_path, "--checks", "error_disclosure"
        )
    assert done.returncode in {0, 1}, done.stdout[-3000:]
    left = [
        r
        for r in report["tables"]["target_state"]
        if r["state"] == "left" and "POST /bookings" in r["object"]
    ]
    extra = set(desks.bookings) - {1, 2}
    if not insert_first:
        assert not extra, "the twin that fails first wrote a row: the test is wrong"
        assert not left, left
        return
    assert extra, "no failure left a row: nothing below could fail"
    assert left, report["tables"]["target_state"]
