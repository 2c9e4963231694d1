"""A creation answered 5xx is reported left only when its listing holds a row the scan does not know.

The Fastify trial's scan reported "13 made by POST /v2/orgs/{orgSlug}/bookings: left, it
answered 5xx" though every one failed before its insert and the database held none: a
body of no value of the scan's (room ids, seat counts) says nothing of which row it may
have written, so each was listed. The restore now reads the creator's listing: when every
row is one the harvest saw or the scan made, the failed creations made nothing.

A Starlette desk-booking API whose handler parses ``seats`` with ``int()`` and so answers
500 to a malformed one. ``insert_first`` writes the row before parsing: that twin's
failures do leave rows, and the report must still say so. A creation that got no answer
at all (a timeout; the trial's padded body, whose connection Fastify closed) is one that
failed too.
"""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tests.conftest import scan_with_identities

from apiward.core.errors import TargetError
from apiward.scan.changes import State, TargetChange
from apiward.scan.identities import Identity
from apiward.scan.ledger import Ledger
from apiward.scan.removal import remove_made
from apiward.scan.request import BodyKind
from apiward.scan.request import Request as ScanRequest
from apiward.scan.sessions import Sessions
from apiward.scan.transport import Transport
from apiward.spec import load
from serving import serving

IDENTITIES = """\
identities:
  - {name: ana, role: member, headers: {X-Api-Key: desk-ana-1}}
  - {name: ben, role: member, headers: {X-Api-Key: desk-ben-2}}
"""
KEYS = {"desk-ana-1": "ana", "desk-ben-2": "ben"}
ANA = Identity(name="ana", headers={"X-Api-Key": "desk-ana-1"})
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


class SlowDesks(Desks):
    """A booking with 4 seats is answered only after the client gave up on it."""

    async def collection(self, request: Request) -> Response:
        if request.method == "POST" and (await request.json()).get("seats") == 4:
            if self.insert_first:
                self.bookings[next(self.serial)] = {"owner": "ana", "desk": 9, "seats": 4}
            await asyncio.sleep(1.0)
            return JSONResponse({"error": "Gateway Timeout"}, 504)
        return await super().collection(request)


async def _unanswered(url: str) -> list[TargetChange]:
    transport = Transport(url, timeout=0.3)
    sessions = Sessions(transport, (ANA,))
    ledger = Ledger(load(f"{url}/openapi.json", allow_private=True), sessions)
    try:
        await sessions.start()
        ledger.seen = frozenset({"1", "2"})  # what the harvest saw: the seeded bookings
        body = {"desk": 9, "seats": 4}
        post = ScanRequest(method="POST", path="/bookings", body=body, body_kind=BodyKind.JSON)
        with pytest.raises(TargetError):
            await ledger.send(post, as_=ANA)
        return await remove_made(ledger)
    finally:
        await transport.close()


@pytest.mark.parametrize("insert_first", [False, True], ids=["made-none", "made-one"])
def test_a_creation_that_got_no_answer_is_listed_only_when_it_left_a_row(
    insert_first: bool,
) -> None:
    """A POST that timed out is one that failed: left only when the listing shows a new row."""
    desks = SlowDesks(insert_first=insert_first)
    with serving(desks.app) as url:
        changes = asyncio.run(_unanswered(url))
    left = [c for c in changes if c.state is State.LEFT]
    assert bool(left) is insert_first, changes
