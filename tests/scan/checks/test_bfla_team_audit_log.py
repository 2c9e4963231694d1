"""bfla: a member reading its team's admin-only audit log, on an API of two teams.

The Express trial's ``GET /admin/audit-log`` is "Admin only." in its description, and any
member of the team reads it (a router with authentication only). Two things hid it:

* the two admins' answers differ, each its own team's log, and the members' record names
  its team as ``team: "665f…01"``, a field no ``/teams/{id}`` path explains, so the read was
  taken for each caller's own (``_tenants.tenancy`` knows a bare ``team`` now);
* the log grows with every write the scan sends, so two reads never match; listings that
  hold mostly the same rows by id are alike (``_read_scope.alike``).
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
  - {name: alice, role: admin, rank: 10, headers: {Authorization: Bearer t-alice}}
  - {name: carol, role: member, rank: 1, headers: {Authorization: Bearer t-carol}}
  - {name: erin, role: admin, rank: 10, headers: {Authorization: Bearer t-erin}}
  - {name: frank, role: member, rank: 1, headers: {Authorization: Bearer t-frank}}
"""
ACME, GLOBEX = "665f1a000100000000000001", "665f1a000100000000000002"
PEOPLE = {
    "Bearer t-alice": {"_id": "665f1a000200000000000001", "name": "Alice", "role": "admin",
                       "team": ACME},
    "Bearer t-carol": {"_id": "665f1a000200000000000003", "name": "Carol", "role": "member",
                       "team": ACME},
    "Bearer t-erin": {"_id": "665f1a000200000000000005", "name": "Erin", "role": "admin",
                      "team": GLOBEX},
    "Bearer t-frank": {"_id": "665f1a000200000000000006", "name": "Frank", "role": "member",
                       "team": GLOBEX},
}  # fmt: skip
ENTRY = {
    "type": "object",
    "properties": {
        "_id": {"type": "string"},
        "action": {"type": "string"},
        "actor": {"type": "string"},
        "ip": {"type": "string"},
        "createdAt": {"type": "string"},
    },
}
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "boards", "version": "1"},
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/users/me": {
            "get": {"summary": "My profile", "responses": {"200": {"description": "OK"}}},
            "patch": {"summary": "Update my profile",
                      "requestBody": {"content": {"application/json": {"schema": {
                          "type": "object", "properties": {"name": {"type": "string"}}}}}},
                      "responses": {"200": {"description": "OK"}}}},
        "/admin/audit-log": {"get": {
            "summary": "Audit log of my team", "description": "Admin only.",
            "responses": {"200": {"description": "Entries", "content": {"application/json": {
                "schema": {"type": "object", "properties": {
                    "success": {"type": "boolean"}, "count": {"type": "integer"},
                    "data": {"type": "array", "items": ENTRY}}}}}}}}},
    },
}  # fmt: skip


class Team:
    """Two teams' audit logs, which every write adds to, and the app."""

    def __init__(self, *, flawed: bool) -> None:
        self.flawed = flawed  # any member reads the log
        self.people = {k: dict(v) for k, v in PEOPLE.items()}
        self.ids = itertools.count(0x6B169836)
        self.log: list[dict[str, Any]] = []
        for team in (ACME, GLOBEX):
            for action in ("login", "board.create", "card.move", "member.invite"):
                self._entry(team, action, "seed")

    def _entry(self, team: str, action: str, actor: str) -> None:
        key = f"{next(self.ids):x}{'0' * 16}"
        self.log.append({"_id": key, "team": team, "action": action, "actor": actor,
                         "ip": "10.0.0.7", "createdAt": "2026-12-07T10:00:00Z"})  # fmt: skip

    def app(self) -> Starlette:
        """The API."""
        return Starlette(
            routes=[
                Route("/openapi.json", lambda r: JSONResponse(CONTRACT)),
                Route("/users/me", self.me, methods=["GET", "PATCH"]),
                Route("/admin/audit-log", self.audit),
            ]
        )

    async def me(self, request: Request) -> Response:
        who = self.people.get(request.headers.get("authorization", ""))
        if who is None:
            return JSONResponse({"success": False, "message": "Not authorized, no token"}, 401)
        if request.method == "PATCH":
            body = await request.json()
            if isinstance(body, dict) and isinstance(body.get("name"), str):
                who["name"] = body["name"]
            self._entry(who["team"], "profile.update", who["_id"])
        return JSONResponse({"success": True, "data": who})

    async def audit(self, request: Request) -> Response:
        who = self.people.get(request.headers.get("authorization", ""))
        if who is None:
            return JSONResponse({"success": False, "message": "Not authorized, no token"}, 401)
        if not self.flawed and who["role"] != "admin":
            return JSONResponse({"success": False, "message": "Admins only"}, 403)
        rows = [e for e in reversed(self.log) if e["team"] == who["team"]]
        return JSONResponse({"success": True, "count": len(rows), "data": rows})


@pytest.mark.parametrize("flawed", [True, False], ids=["members-read", "admins-only"])
def test_a_member_reading_the_admin_only_log_is_found(tmp_path: Path, flawed: bool) -> None:
    """A BFLA on the log where members read it; none where only admins do."""
    with serving(Team(flawed=flawed).app()) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "bfla")
    assert done.returncode < 2, done.stdout + done.stderr
    found = [f["operation"] for f in report["findings"] if f["check"] == "bfla"]
    assert found == (["GET /admin/audit-log"] if flawed else []), report["findings"]
