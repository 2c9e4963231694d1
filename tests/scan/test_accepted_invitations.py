"""An account made by accepting the scan's own invitation logs in by the invitation's e-mail.

The Express trial's ``POST /invitations/{code}/accept`` takes a name and a password and makes
the invited account in the inviter's (real) team; the account logs in with the e-mail the
invitation was sent to. The scan accepted its own invitations, then tried to log in with
what the acceptance sent, could not, and left three active members in real teams, holding
paid seats. The login now takes the e-mail from the invitation (``Created.sent``), and the
accounts close themselves (``DELETE /users/me``).
"""

import itertools
import secrets
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - name: alice
    role: admin
    login:
      operation: POST /auth/login
      json: {email: alice@acme.test, password: alice-pw-1}
      token: data.accessToken
"""
EMAIL = {"type": "string", "format": "email"}
CODE = {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}
TOKENS = {
    "201": {
        "description": "Tokens",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "success": {"type": "boolean"},
                        "data": {
                            "type": "object",
                            "properties": {"accessToken": {"type": "string"}},
                        },
                    },
                }
            }
        },
    }
}
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "teams", "version": "1"},
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/auth/login": {"post": {
            "summary": "Log in", "security": [],
            "requestBody": {"content": {"application/json": {"schema": {
                "type": "object", "required": ["email", "password"],
                "properties": {"email": EMAIL, "password": {"type": "string"}}}}}},
            "responses": {"200": {"description": "Tokens"}, "401": {"description": "No"}}}},
        "/users/me": {
            "get": {"summary": "My account", "responses": {"200": {"description": "OK"}}},
            "delete": {"summary": "Close my account", "responses": {"200": {"description": "OK"}}},
        },
        "/team/members": {"get": {"summary": "Members of my team",
                                  "responses": {"200": {"description": "OK"}}}},
        "/invitations": {"post": {
            "summary": "Invite someone to my team (admin)",
            "requestBody": {"content": {"application/json": {"schema": {
                "type": "object", "required": ["email"], "properties": {"email": EMAIL}}}}},
            "responses": {"201": {"description": "Created", "content": {"application/json": {
                "schema": {"type": "object", "properties": {"success": {"type": "boolean"},
                    "data": {"type": "object", "properties": {
                        "code": {"type": "string"}, "email": EMAIL}}}}}}}}}},
        "/invitations/{code}": {"delete": {
            "summary": "Revoke a pending invitation", "parameters": [CODE],
            "responses": {"200": {"description": "OK"}, "400": {"description": "Accepted"}}}},
        "/invitations/{code}/accept": {"post": {
            "summary": "Accept an invitation and create the invited account", "security": [],
            "parameters": [CODE],
            "requestBody": {"content": {"application/json": {"schema": {
                "type": "object", "required": ["name", "password"],
                "properties": {"name": {"type": "string"},
                               "password": {"type": "string", "format": "password"}}}}}},
            "responses": {**TOKENS, "404": {"description": "No such invitation"}}}},
    },
}  # fmt: skip


class Teams:
    """Members by e-mail, invitations by code, sessions, and the app."""

    def __init__(self) -> None:
        self.members: dict[str, dict[str, Any]] = {
            "alice@acme.test": {"name": "Alice", "password": "alice-pw-1", "active": True}
        }
        self.invitations: dict[str, dict[str, Any]] = {}
        self.sessions: dict[str, str] = {}
        self.ids = itertools.count(1)

    def app(self) -> Starlette:
        """The API."""
        return Starlette(
            routes=[
                Route("/openapi.json", lambda r: JSONResponse(CONTRACT)),
                Route("/auth/login", self.login, methods=["POST"]),
                Route("/users/me", self.me, methods=["GET", "DELETE"]),
                Route("/team/members", self.listing, methods=["GET"]),
                Route("/invitations", self.invite, methods=["POST"]),
                Route("/invitations/{code}", self.revoke, methods=["DELETE"]),
                Route("/invitations/{code}/accept", self.accept, methods=["POST"]),
            ]
        )

    def active(self) -> set[str]:
        """The e-mails of the members who may still log in."""
        return {mail for mail, m in self.members.items() if m["active"]}

    @staticmethod
    def _fail(status: int, message: str) -> Response:
        return JSONResponse({"success": False, "message": message}, status)

    def _caller(self, request: Request) -> str | None:
        header = request.headers.get("authorization", "")
        return self.sessions.get(header.removeprefix("Bearer "))

    def _session(self, mail: str) -> str:
        token = secrets.token_hex(16)
        self.sessions[token] = mail
        return token

    async def login(self, request: Request) -> Response:
        body = await request.json()
        member = self.members.get(str(body.get("email"))) if isinstance(body, dict) else None
        if member is None or not member["active"] or member["password"] != body.get("password"):
            return self._fail(401, "Invalid email or password")
        token = self._session(str(body["email"]))
        return JSONResponse({"success": True, "data": {"accessToken": token}})

    async def me(self, request: Request) -> Response:
        mail = self._caller(request)
        if mail is None:
            return self._fail(401, "Not authorized, token failed")
        if request.method == "DELETE":
            self.members[mail]["active"] = False
            return JSONResponse({"success": True, "data": {}})
        return JSONResponse({"success": True, "data": {"email": mail, **self.members[mail]}})

    async def listing(self, request: Request) -> Response:
        if self._caller(request) is None:
            return self._fail(401, "Not authorized, token failed")
        rows = [{"email": mail, "name": m["name"]} for mail, m in self.members.items()]
        return JSONResponse({"success": True, "count": len(rows), "data": rows})

    async def invite(self, request: Request) -> Response:
        if self._caller(request) != "alice@acme.test":
            return self._fail(403, "Admins only")
        body = await request.json()
        mail = str(body.get("email", "")) if isinstance(body, dict) else ""
        if "@" not in mail or mail in self.members:
            return self._fail(400, "A new e-mail address is required")
        code = f"inv{next(self.ids)}{secrets.token_hex(4)}"
        self.invitations[code] = {"email": mail, "accepted": False}
        return JSONResponse({"success": True, "data": {"code": code, "email": mail}}, 201)

    async def revoke(self, request: Request) -> Response:
        if self._caller(request) != "alice@acme.test":
            return self._fail(403, "Admins only")
        invitation = self.invitations.get(request.path_params["code"])
        if invitation is None:
            return self._fail(404, "Invitation not found")
        if invitation["accepted"]:
            return self._fail(400, "This invitation was accepted already")
        del self.invitations[request.path_params["code"]]
        return JSONResponse({"success": True, "data": {}})

    async def accept(self, request: Request) -> Response:
        invitation = self.invitations.get(request.path_params["code"])
        if invitation is None or invitation["accepted"]:
            return self._fail(404, "Invitation not found")
        body = await request.json()
        if not isinstance(body, dict) or not body.get("name") or not body.get("password"):
            return self._fail(400, "name and password are required")
        invitation["accepted"] = True
        mail = invitation["email"]
        self.members[mail] = {"name": str(body["name"]), "password": str(body["password"]),
                              "active": True}  # fmt: skip
        return JSONResponse({"success": True, "data": {"accessToken": self._session(mail)}}, 201)


def test_accounts_made_by_accepting_the_scans_invitations_close_themselves(
    tmp_path: Path,
) -> None:
    """Every account the scan made through an acceptance is closed by the end of the scan."""
    teams = Teams()
    with serving(teams.app()) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path)
    assert done.returncode < 2, done.stdout + done.stderr
    accepted = [i["email"] for i in teams.invitations.values() if i["accepted"]]
    assert accepted, report["tables"]["requests"][:40]
    assert teams.active() == {"alice@acme.test"}, report["tables"]["target_state"]
