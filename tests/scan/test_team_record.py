"""The caller's team, a record no path id names, shared by every member.

The Express trial (``{"success": true, "data": ...}``, Mongo ``_id``s) reads the caller's
team at ``GET /team`` and its billing at ``GET /billing``:

* each member's ``/team`` was snapshotted in turn, and the last after probes had renamed
  the team as the first; the restore put the probe's name back (``records.inherit``: two
  such reads holding the same ``_id`` are one record);
* the restore put the team's name back, then read counts the scan's invitations and reads
  had moved (no write to the team sets them) and said "no write put them back";
* ``POST /billing/cancel`` ("cannot be undone through the API") went out as the team's
  admin in a default scan, and cancelled a real subscription: an action on a record no
  id names is one-way (``one_way._on_record``), sent only by a user the scan made.
"""

import copy
import itertools
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
  - {name: alice, role: admin, rank: 2, headers: {Authorization: Bearer t-alice}}
  - {name: carol, role: member, rank: 1, headers: {Authorization: Bearer t-carol}}
  - {name: dave, role: member, rank: 1, headers: {Authorization: Bearer t-dave}}
"""
PEOPLE = {"Bearer t-alice": "alice", "Bearer t-carol": "carol", "Bearer t-dave": "dave"}
TEAM = {
    "type": "object",
    "properties": {
        "_id": {"type": "string"},
        "name": {"type": "string"},
        "website": {"type": "string"},
        "pendingInvites": {"type": "integer"},
    },
}
INVITE = {"type": "object", "properties": {"_id": {"type": "string"}, "email": {"type": "string"}}}
BILLING = {
    "type": "object",
    "properties": {
        "plan": {"type": "string"},
        "subscriptionStatus": {"type": "string"},
        "seatLimit": {"type": "integer"},
    },
}


def _answer(schema: dict[str, Any]) -> dict[str, Any]:
    wrapped = {"type": "object", "properties": {"success": {"type": "boolean"}, "data": schema}}
    return {"200": {"description": "OK", "content": {"application/json": {"schema": wrapped}}}}


CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "boards", "version": "1"},
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/team": {
            "get": {"summary": "My team", "responses": _answer(TEAM)},
            "patch": {"summary": "Update my team", "responses": _answer(TEAM),
                      "requestBody": {"content": {"application/json": {"schema": {
                          "type": "object", "properties": {
                              "name": {"type": "string"}, "website": {"type": "string"}}}}}}},
        },
        "/invitations": {"post": {
            "summary": "Invite someone to my team",
            "requestBody": {"content": {"application/json": {"schema": {
                "type": "object", "required": ["email"],
                "properties": {"email": {"type": "string", "format": "email"}}}}}},
            "responses": {"201": {"description": "Created", "content": {"application/json": {
                "schema": {"type": "object", "properties": {
                    "success": {"type": "boolean"}, "data": INVITE}}}}}}}},
        "/invitations/{inviteId}": {"delete": {
            "summary": "Withdraw an invitation",
            "parameters": [{"name": "inviteId", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "responses": {"200": {"description": "OK"}, "404": {"description": "Not found"}}}},
        "/billing": {"get": {"summary": "Plan and seats of my team", "responses": _answer(BILLING)}},
        "/billing/cancel": {"post": {
            "summary": "Cancel the subscription (admin only). Takes effect at once; cannot be "
                       "undone through the API.",
            "responses": {"200": {"description": "OK"}, "403": {"description": "Forbidden"}}}},
    },
}  # fmt: skip
SEEDED = {
    "team": {
        "_id": "665f1a000100000000000001",
        "name": "Acme Corp",
        "website": "acme.test",
        "pendingInvites": 0,
        "views": 0,
    },
    "billing": {"plan": "pro", "subscriptionStatus": "active", "seatLimit": 10},
}


class Boards:
    """One team everybody in the file belongs to, and the app."""

    def __init__(self) -> None:
        self.state = copy.deepcopy(SEEDED)
        self.invites: dict[str, str] = {}
        self.ids = itertools.count(0x6B1690DD)

    def app(self) -> Starlette:
        """The API."""
        return Starlette(
            routes=[
                Route("/openapi.json", lambda r: JSONResponse(CONTRACT)),
                Route("/team", self.team, methods=["GET", "PATCH"]),
                Route("/invitations", self.invite, methods=["POST"]),
                Route("/invitations/{id}", self.withdraw, methods=["DELETE"]),
                Route("/billing", self.billing, methods=["GET"]),
                Route("/billing/cancel", self.cancel, methods=["POST"]),
            ]
        )

    @staticmethod
    def _fail(status: int, message: str) -> Response:
        return JSONResponse({"success": False, "message": message}, status)

    async def team(self, request: Request) -> Response:
        if request.headers.get("authorization") not in PEOPLE:
            return self._fail(401, "Not authorized, token failed")
        team = self.state["team"]
        team["views"] += 1  # what no write to the team sets, moved by every read
        if request.method == "PATCH":
            try:
                body = await request.json()
            except ValueError:
                return HTMLResponse("<pre>SyntaxError: Unexpected token</pre>", 400)
            if not isinstance(body, dict):
                return self._fail(400, "Invalid body")
            team.update({k: str(v) for k, v in body.items() if k in {"name", "website"}})
        return JSONResponse({"success": True, "data": team})

    async def invite(self, request: Request) -> Response:
        if request.headers.get("authorization") not in PEOPLE:
            return self._fail(401, "Not authorized, token failed")
        body = await request.json()
        if not isinstance(body, dict) or "@" not in str(body.get("email", "")):
            return self._fail(400, "A valid email is required")
        key = f"{next(self.ids):x}{'0' * 16}"
        self.invites[key] = str(body["email"])
        self.state["team"]["pendingInvites"] += 1  # what no write to the team sets
        return JSONResponse({"success": True, "data": {"_id": key, "email": body["email"]}}, 201)

    async def withdraw(self, request: Request) -> Response:
        if request.headers.get("authorization") not in PEOPLE:
            return self._fail(401, "Not authorized, token failed")
        if self.invites.pop(request.path_params["id"], None) is None:
            return self._fail(404, "Invitation not found")
        self.state["team"]["pendingInvites"] -= 1
        return JSONResponse({"success": True, "data": {}})

    async def billing(self, request: Request) -> Response:
        if request.headers.get("authorization") not in PEOPLE:
            return self._fail(401, "Not authorized, token failed")
        return JSONResponse({"success": True, "data": self.state["billing"]})

    async def cancel(self, request: Request) -> Response:
        who = PEOPLE.get(request.headers.get("authorization", ""))
        if who is None:
            return self._fail(401, "Not authorized, token failed")
        if who != "alice":
            return self._fail(403, "Admins only")
        self.state["billing"].update(plan="free", subscriptionStatus="canceled")
        return JSONResponse({"success": True, "data": {}})


def test_a_default_scan_leaves_the_team_and_its_subscription_as_found(tmp_path: Path) -> None:
    """Every member's probes write the team and are put back; nobody cancels the plan."""
    boards = Boards()
    with serving(boards.app()) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path)
    boards.state["team"]["views"] = 0
    assert boards.state == SEEDED, done.stdout[-3000:]
    assert done.returncode == 0, done.stdout + done.stderr
    written = [r for r in report["tables"]["target_state"] if r["object"] == "/team"]
    assert any(r["state"] == "restored" for r in written), written
    assert not any(r["state"] == "not restored" for r in written), written
