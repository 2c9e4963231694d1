"""A message the attacker sent the owner names the attacker: reading it is no BOLA.

The PHP trial's alice has 113 messages, 110 of them from the school's admin; the one she
sent bob lies beyond the five pages of twenty the harvest reads, so it was seen in bob's
listing only, and alice reading it was called "alice reads bob's object", high. The message
names alice as its sender (``sender_id`` holds her own id, as ``GET /api/me`` shows it):
she is a party to it (``_owners.party``).
"""

import uuid
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - {name: alice, role: student, headers: {X-API-Key: key-alice}}
  - {name: bob, role: student, headers: {X-API-Key: key-bob}}
"""
KEYS = {"key-alice": 4, "key-bob": 5}
MESSAGE = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "sender_id": {"type": "integer"},
        "recipient_id": {"type": "integer"},
        "subject": {"type": "string"},
        "body": {"type": "string"},
    },
}
PAGE = [
    {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 100}},
    {"name": "offset", "in": "query", "schema": {"type": "integer"}},
]
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "school", "version": "1"},
    "security": [{"key": []}],
    "components": {"securitySchemes": {"key": {"type": "apiKey", "in": "header",
                                               "name": "X-API-Key"}}},
    "paths": {
        "/api/me": {"get": {"summary": "My account", "responses": {"200": {"description": "OK"}}}},
        "/api/messages": {"get": {
            "summary": "My messages (sent and received)", "parameters": PAGE,
            "responses": {"200": {"description": "OK", "content": {"application/json": {
                "schema": {"type": "object", "properties": {
                    "status": {"type": "string"},
                    "data": {"type": "array", "items": MESSAGE},
                    "meta": {"type": "object", "properties": {
                        "limit": {"type": "integer"}, "offset": {"type": "integer"},
                        "total": {"type": "integer"}}}}}}}}}}},
        "/api/messages/{id}": {"get": {
            "summary": "Read a message (its sender or recipient)",
            "parameters": [{"name": "id", "in": "path", "required": True,
                            "schema": {"type": "string", "format": "uuid"}}],
            "responses": {"200": {"description": "OK", "content": {"application/json": {
                "schema": {"type": "object", "properties": {
                    "status": {"type": "string"}, "data": MESSAGE}}}}},
                "404": {"description": "Not found"}}}},
    },
}  # fmt: skip


def _messages() -> list[dict[str, Any]]:
    """Alice's one message to bob, oldest; then 110 notices from the admin (id 1) to alice."""
    sent = [{"sender_id": 4, "recipient_id": 5, "subject": "Study group?", "body": "Library at 4?"}]
    notices = [
        {"sender_id": 1, "recipient_id": 4, "subject": f"Notice {n}", "body": "Room change"}
        for n in range(110)
    ]
    return [{"id": str(uuid.UUID(int=n + 1)), **m} for n, m in enumerate(sent + notices)]


class School:
    """Messages between users, newest first, and the app."""

    def __init__(self, *, checked: bool = True) -> None:
        self.messages = _messages()
        self.checked = checked

    def app(self) -> Starlette:
        """The API."""
        return Starlette(
            routes=[
                Route("/openapi.json", lambda r: JSONResponse(CONTRACT)),
                Route("/api/me", self.me),
                Route("/api/messages", self.listing),
                Route("/api/messages/{id}", self.one),
            ]
        )

    @staticmethod
    def _caller(request: Request) -> int | None:
        return KEYS.get(request.headers.get("x-api-key", ""))

    async def me(self, request: Request) -> Response:
        me = self._caller(request)
        if me is None:
            return JSONResponse({"status": "error", "error": "Missing API key"}, 401)
        name = {4: "alice", 5: "bob"}[me]
        return JSONResponse({"status": "ok", "data": {"id": me, "name": name}})

    async def listing(self, request: Request) -> Response:
        me = self._caller(request)
        if me is None:
            return JSONResponse({"status": "error", "error": "Missing API key"}, 401)
        limit = int(request.query_params.get("limit") or 20)
        offset = int(request.query_params.get("offset") or 0)
        mine = [m for m in reversed(self.messages) if me in (m["sender_id"], m["recipient_id"])]
        meta = {"limit": limit, "offset": offset, "total": len(mine)}
        return JSONResponse({"status": "ok", "data": mine[offset : offset + limit], "meta": meta})

    async def one(self, request: Request) -> Response:
        me = self._caller(request)
        if me is None:
            return JSONResponse({"status": "error", "error": "Missing API key"}, 401)
        found = next((m for m in self.messages if m["id"] == request.path_params["id"]), None)
        parties = (found or {}).get("sender_id"), (found or {}).get("recipient_id")
        if found is None or (self.checked and me not in parties):
            return HTMLResponse("<h1>404 Not Found</h1>", 404)
        return JSONResponse({"status": "ok", "data": found})


def test_reading_a_message_one_sent_is_no_bola(tmp_path: Path) -> None:
    """No BOLA finding on the message read: each reader is its sender or its recipient."""
    with serving(School().app()) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "bola")
    assert done.returncode < 2, done.stdout + done.stderr
    found = [f for f in report["findings"] if f["operation"] == "GET /api/messages/{id}"]
    assert found == [], [f["detail"] for f in found]


def test_reading_a_message_between_others_still_is(tmp_path: Path) -> None:
    """Without the check, bob reads alice's notices from the admin: high, as before."""
    with serving(School(checked=False).app()) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "bola")
    assert done.returncode < 2, done.stdout + done.stderr
    found = [f for f in report["findings"] if f["operation"] == "GET /api/messages/{id}"]
    assert [f["severity"] for f in found] == ["high"], [f["detail"] for f in found]
