"""A creation refused for its reference's parent is made again naming another object.

A workshop sign-up contract: organisers add sessions under their own workshops
(``POST /api/workshops/{workshop_id}/sessions``) and book seats in any session
(``POST /api/bookings {session_id, seats}``); a session of a draft workshop cannot be
booked: ``400 {"error": "This workshop is not open for booking"}``. alice made a session
under her own draft workshop, and her booking names it first (her own objects first); the
answer names the session's parent, not ``session_id``. The Nest trial's orders were
refused so ("This event is not on sale") once the scan made its own draft events, and no
order was left to test. The booking is sent again naming another session now, one of
carol's open workshop. (Fed by hand: harvesting books before it makes sessions.)
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path
from typing import Any

from harvest_support import operation, reply

from apiward.scan import references
from apiward.scan.harvest import Harvest
from apiward.scan.identities import Identity
from apiward.scan.request import Request, Where
from apiward.scan.synthesis import Synthesizer
from apiward.scan.transport import Reply
from apiward.spec import load

ALICE = Identity(name="alice", role="organiser")
_ID = {"type": "integer"}
_OK = {"200": {"description": "OK"}}
_MADE = {"201": {"description": "Created"}}


def _body(required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    schema = {"type": "object", "required": required, "properties": properties}
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _path(name: str) -> list[dict[str, Any]]:
    return [{"name": name, "in": "path", "required": True, "schema": _ID}]


SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "workshops", "version": "1"},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "paths": {
        "/api/me": {"get": {"responses": _OK}},
        "/api/workshops": {"get": {"summary": "Every workshop", "responses": _OK}},
        "/api/workshops/{workshop_id}/sessions": {
            "parameters": _path("workshop_id"),
            "get": {"responses": _OK},
            "post": {
                "summary": "Add a session to one's own workshop",
                "requestBody": _body(["starts_at"], {"starts_at": {"type": "string"}}),
                "responses": _MADE,
            },
        },
        "/api/sessions/{session_id}": {
            "parameters": _path("session_id"),
            "delete": {"responses": {"204": {"description": "gone"}}},
        },
        "/api/bookings": {
            "get": {"summary": "My bookings", "responses": _OK},
            "post": {
                "summary": "Book seats in a session",
                "requestBody": _body(
                    ["session_id", "seats"],
                    {"session_id": _ID, "seats": {"type": "integer", "minimum": 1, "maximum": 4}},
                ),
                "responses": _MADE,
            },
        },
        "/api/bookings/{booking_id}": {
            "parameters": _path("booking_id"),
            "delete": {"responses": {"204": {"description": "gone"}}},
        },
    },
}


def _reply(body: str, sent: Request, status: int = 200) -> Reply:
    return dataclasses.replace(reply(body, status=status), sent=sent)


def _sessions(workshop: str, method: str = "GET") -> Request:
    path = "/api/workshops/{workshop_id}/sessions"
    return Request(method=method, path=path, path_params={"workshop_id": workshop})


def test_a_booking_refused_for_its_sessions_workshop_names_another_session(
    tmp_path: Path,
) -> None:
    """alice's booking of her own draft workshop's session goes again naming carol's."""
    (tmp_path / "openapi.json").write_text(json.dumps(SPEC))
    api = load(str(tmp_path / "openapi.json"))
    harvest = Harvest(Synthesizer(api, url="http://127.0.0.1:9/"))
    listing = operation(api, "GET", "/api/workshops/{workshop_id}/sessions")
    rows = '[{"id": 1, "workshop_id": 3}, {"id": 2, "workshop_id": 3}]'
    harvest.record(ALICE, listing, _reply(rows, _sessions("3")), entitled=True)
    made = _reply('{"id": 100, "workshop_id": 1}', _sessions("1", "POST"), status=201)
    harvest.record(ALICE, operation(api, "POST", listing.path), made, created=True)
    booking = operation(api, "POST", "/api/bookings")
    first = Request(method="POST", path=booking.path, body={"session_id": 100, "seats": 1})
    answer = '{"error": "This workshop is not open for booking"}'
    sent: list[Request] = []

    async def send(retry: Request) -> Reply:
        sent.append(retry)
        return _reply('{"id": 7}', retry, status=201)

    refused = _reply(answer, first, status=400)
    retry, got = asyncio.run(references.again(harvest, booking, ALICE, first, refused, send))
    assert got.ok, sent
    assert retry.value(Where.BODY, "session_id") in {1, 2}, retry.body
