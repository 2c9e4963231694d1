"""The ``login`` check tries logins whose name and password travel as HTTP basic credentials.

Two trials' APIs logged their users in so, and their planted brute-force and enumeration
flaws went untried ("no login operation"): the APIFlask trial's ``POST /api/tokens`` takes
basic credentials and answers a token (the Flask Mega-Tutorial's way), the hapi trial's API
takes basic credentials on every request. This API does both, and neither slows a guesser
down; an unknown user name is answered unlike a wrong password.
"""

from __future__ import annotations

import base64
import secrets
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - name: alice
    role: user
    basic: {username: alice, password: alice-pass-1}
  - name: bob
    role: user
    login:
      operation: POST /api/tokens
      basic: {username: bob, password: bob-pass-22}
      token: token
"""
BASIC_ONLY = """\
identities:
  - {name: alice, role: user, basic: {username: alice, password: alice-pass-1}}
  - {name: bob, role: user, basic: {username: bob, password: bob-pass-22}}
"""
"""Basic credentials on every request, no login operation: the hapi trial's way."""
_BASIC = {"type": "http", "scheme": "basic"}
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "market", "version": "1"},
    "components": {"securitySchemes": {"basic": _BASIC, "bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/api/users": {"post": {
            "summary": "Register", "security": [],
            "requestBody": {"content": {"application/json": {"schema": {
                "type": "object", "required": ["username", "email", "password"],
                "properties": {"username": {"type": "string"}, "email": {"type": "string"},
                               "password": {"type": "string"}}}}}},
            "responses": {"201": {"description": "Created"}}}},
        "/api/tokens": {"post": {
            "summary": "Get a token", "security": [{"basic": []}],
            "responses": {"200": {"description": "Token"}}}},
        "/api/me": {"get": {
            "summary": "My account", "security": [{"basic": []}, {"bearer": []}],
            "responses": {"200": {"description": "OK"}}}},
        "/api/users/{username}": {"delete": {
            "summary": "Close an account", "security": [{"basic": []}],
            "parameters": [{"name": "username", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "responses": {"204": {"description": "Closed"}}}},
    },
}  # fmt: skip


class Market:
    """Accounts by user name; basic credentials checked the same way everywhere."""

    def __init__(self) -> None:
        self.passwords = {"alice": "alice-pass-1", "bob": "bob-pass-22"}
        self.tokens: dict[str, str] = {}

    def app(self) -> Starlette:
        """The API."""
        return Starlette(
            routes=[
                Route("/openapi.json", lambda r: JSONResponse(CONTRACT)),
                Route("/api/users", self.register, methods=["POST"]),
                Route("/api/tokens", self.token, methods=["POST"]),
                Route("/api/me", self.me),
                Route("/api/users/{username}", self.close, methods=["DELETE"]),
            ]
        )

    def _basic(self, request: Request) -> tuple[str | None, Response | None]:
        """The user the basic credentials name, or the refusal (unknown user: another one)."""
        header = request.headers.get("authorization", "")
        if not header.startswith("Basic "):
            return None, JSONResponse({"message": "Unauthorized"}, 401)
        name, _, password = base64.b64decode(header[6:]).decode().partition(":")
        if name not in self.passwords:
            return None, JSONResponse({"message": "No such user"}, 404)
        if self.passwords[name] != password:
            return None, JSONResponse({"message": "Wrong password"}, 401)
        return name, None

    async def register(self, request: Request) -> Response:
        body = await request.json()
        if "@" not in str(body.get("email")) or body.get("username") in self.passwords:
            return JSONResponse({"message": "Validation error"}, 422)
        self.passwords[str(body["username"])] = str(body["password"])
        return JSONResponse({"username": body["username"]}, 201)

    async def token(self, request: Request) -> Response:
        name, refused = self._basic(request)
        if refused is not None or name is None:
            return refused or Response(status_code=401)
        token = secrets.token_hex(16)
        self.tokens[token] = name
        return JSONResponse({"token": token})

    async def close(self, request: Request) -> Response:
        name, refused = self._basic(request)
        if refused is not None or name != request.path_params["username"]:
            return refused or JSONResponse({"message": "Forbidden"}, 403)
        del self.passwords[name]
        return Response(status_code=204)

    async def me(self, request: Request) -> Response:
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        name = self.tokens.get(bearer)
        if name is None:
            name, refused = self._basic(request)
            if refused is not None:
                return refused
        return JSONResponse({"username": name})


def test_basic_logins_are_tried_for_enumeration_and_brute_force(tmp_path: Path) -> None:
    """Both logins: the token operation and the basic read tell users apart and never slow down."""
    with serving(Market().app()) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "login")
    assert done.returncode in (0, 1), done.stdout + done.stderr
    titles = {f["title"] for f in report["findings"] if f["check"] == "login"}
    for operation in ("POST /api/tokens", "GET /api/me"):
        assert f"{operation} has no brute-force protection" in titles, titles
        assert f"{operation} tells existing users from unknown ones" in titles, titles


def test_a_deleted_basic_account_is_known_gone(tmp_path: Path) -> None:
    """The account the scan signs up to learn whether accounts can be deleted is deleted,
    and its basic credentials refused after: not "left ... yet it still logs in" (the hapi
    trial), and so the sign-ups of later probes are not held back."""
    market = Market()
    with serving(market.app()) as url:
        done, report = scan_with_identities(url, BASIC_ONLY, tmp_path, "--checks", "login")
    assert done.returncode in (0, 1), done.stdout + done.stderr
    rows = report["tables"]["target_state"]
    assert not [r for r in rows if "still logs in" in r["detail"]], rows
    assert not [n for n in report["notes"] if "still logs in" in n], report["notes"]
