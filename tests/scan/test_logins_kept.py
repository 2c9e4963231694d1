"""A scan never changes how a user logs in: not the name, not the password, in any mode.

The Sanic trial's API logs in by e-mail, and its ``PATCH /me`` takes a new e-mail. Its
``--safe`` scan gave the admin a fresh e-mail there (a baseline, then injection payloads and
16 a's), so that after a logout the admin could not log in again, and the e-mail was never
put back: the administrator was locked out. Its contract required nothing of a sign-up,
whose API wanted a user name and an e-mail both; the scan's own user was never made, and
the hostile values went to the admin's record instead. Under ``--aggressive`` the hapi
trial's SQL probe of ``PATCH /users/{userId}`` set its admin's password.

This API is written that way: answers in a ``{"status": "ok", "result": …}`` envelope, an
``X-Auth-Token`` header, a sign-up that wants more than its contract says, and a record of
every change to what a seeded user logs in with.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - name: admin
    role: admin
    login:
      operation: POST /auth/login
      json: {email: admin@example.com, password: Admin-pass-2024}
      token: result.token
      header: X-Auth-Token
      prefix: ""
  - name: alice
    role: user
    login:
      operation: POST /auth/login
      json: {email: alice@example.com, password: Alice-pass-2024}
      token: result.token
      header: X-Auth-Token
      prefix: ""
"""

_USER = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "username": {"type": "string"},
        "email": {"type": "string"}, "display_name": {"type": "string"},
        "role": {"type": "string"},
    },
}  # fmt: skip
_ANSWER = {"content": {"application/json": {"schema": {
    "type": "object", "properties": {"status": {"type": "string"}, "result": _USER}}}}}  # fmt: skip


def _body(**properties: Any) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": {
        "type": "object", "properties": properties}}}}  # fmt: skip


_TEXT = {"type": "string", "nullable": True}
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "projects", "version": "1"},
    "components": {"securitySchemes": {
        "token": {"type": "apiKey", "in": "header", "name": "X-Auth-Token"}}},
    "paths": {
        "/auth/signup": {"post": {
            "operationId": "post~signup", "summary": "Create an account",
            "requestBody": _body(username={"type": "string"}, email={"type": "string"},
                                 password={"type": "string"}, display_name={"type": "string"}),
            "responses": {"201": {"description": "Account created", **_ANSWER}}}},
        "/auth/login": {"post": {
            "operationId": "post~login", "summary": "Log in and get a session token",
            "requestBody": _body(email={"type": "string"}, password={"type": "string"}),
            "responses": {"200": {"description": "OK"}}}},
        "/auth/logout": {"post": {
            "operationId": "post~logout", "summary": "Invalidate the current token",
            "security": [{"token": []}], "responses": {"200": {"description": "OK"}}}},
        "/me": {
            "get": {"operationId": "get~me", "summary": "The current user",
                    "security": [{"token": []}], "responses": {"200": {"description": "OK", **_ANSWER}}},
            "patch": {"operationId": "patch~update_me", "summary": "Update my profile",
                      "security": [{"token": []}],
                      "requestBody": _body(display_name=_TEXT, email=_TEXT),
                      "responses": {"200": {"description": "OK", **_ANSWER}}}},
        "/users/{user_id}": {
            "get": {"operationId": "get~user", "summary": "A user",
                    "security": [{"token": []}],
                    "parameters": [{"name": "user_id", "in": "path", "required": True,
                                    "schema": {"type": "integer"}}],
                    "responses": {"200": {"description": "OK", **_ANSWER}}},
            "patch": {"operationId": "patch~user", "summary": "Update a user (admin)",
                      "security": [{"token": []}],
                      "parameters": [{"name": "user_id", "in": "path", "required": True,
                                      "schema": {"type": "integer"}}],
                      "requestBody": _body(display_name=_TEXT, email=_TEXT, password=_TEXT),
                      "responses": {"200": {"description": "OK", **_ANSWER}}}},
    },
}  # fmt: skip


class Projects:
    """Users by id, tokens, and every change to a seeded user's e-mail or password."""

    def __init__(self) -> None:
        self.users: dict[int, dict[str, Any]] = {
            1: {"username": "admin", "email": "admin@example.com",
                "password": "Admin-pass-2024", "display_name": "Site Admin", "role": "admin"},
            2: {"username": "alice", "email": "alice@example.com",
                "password": "Alice-pass-2024", "display_name": "Alice Archer", "role": "user"},
        }  # fmt: skip
        self.tokens: dict[str, int] = {}
        self.moved: list[tuple[int, str, object]] = []
        """(user, field, new value) for every change to a seeded user's login."""

    def app(self) -> Starlette:
        """The API."""
        return Starlette(
            routes=[
                Route("/openapi.json", lambda r: JSONResponse(CONTRACT)),
                Route("/auth/signup", self.signup, methods=["POST"]),
                Route("/auth/login", self.login, methods=["POST"]),
                Route("/auth/logout", self.logout, methods=["POST"]),
                Route("/me", self.me, methods=["GET", "PATCH"]),
                Route("/users/{user_id:int}", self.user, methods=["GET", "PATCH"]),
            ]
        )

    def _shown(self, number: int) -> JSONResponse:
        user = self.users[number]
        shown = {k: v for k, v in user.items() if k != "password"}
        return JSONResponse({"status": "ok", "result": {"id": number, **shown}})

    def _caller(self, request: Request) -> int | None:
        return self.tokens.get(request.headers.get("x-auth-token", ""))

    async def signup(self, request: Request) -> Response:
        body = await request.json()
        wanted = ("username", "email", "password")
        if not isinstance(body, dict) or not all(isinstance(body.get(k), str) for k in wanted):
            return PlainTextResponse("username, a valid email and a password are required", 400)
        number = max(self.users) + 1
        self.users[number] = {**{k: body[k] for k in wanted}, "role": "user",
                              "display_name": str(body.get("display_name", ""))}  # fmt: skip
        return self._shown(number)

    async def login(self, request: Request) -> Response:
        body = await request.json()
        for number, user in self.users.items():
            if isinstance(body, dict) and (body.get("email"), body.get("password")) == (
                user["email"],
                user["password"],
            ):
                token = secrets.token_urlsafe(16)
                self.tokens[token] = number
                return JSONResponse({"status": "ok", "result": {"token": token}})
        return PlainTextResponse("Invalid credentials", 401)

    async def logout(self, request: Request) -> Response:
        self.tokens.pop(request.headers.get("x-auth-token", ""), None)
        return JSONResponse({"status": "ok", "result": {"logged_out": True}})

    async def me(self, request: Request) -> Response:
        caller = self._caller(request)
        if caller is None:
            return PlainTextResponse("Invalid or expired token", 401)
        if request.method == "PATCH":
            return await self._update(caller, request)
        return self._shown(caller)

    async def user(self, request: Request) -> Response:
        caller, number = self._caller(request), request.path_params["user_id"]
        if caller is None:
            return PlainTextResponse("Invalid or expired token", 401)
        if number not in self.users:
            return PlainTextResponse("Not Found", 404)
        if request.method == "PATCH":
            if self.users[caller]["role"] != "admin":
                return PlainTextResponse("Administrators only", 403)
            return await self._update(number, request)
        return self._shown(number)

    async def _update(self, number: int, request: Request) -> Response:
        body = await request.json()
        if not isinstance(body, dict):
            return PlainTextResponse("Bad Request", 400)
        for key in ("display_name", "email", "password"):
            if isinstance(body.get(key), str) and body[key] != self.users[number][key]:
                if number <= 2 and key != "display_name":
                    self.moved.append((number, key, body[key]))
                self.users[number][key] = body[key]
        return self._shown(number)


def _logs_in(service: Projects, email: str, password: str) -> bool:
    return any((u["email"], u["password"]) == (email, password) for u in service.users.values())


def _scan(tmp_path: Path, *extra: str) -> tuple[Projects, dict[str, Any]]:
    service = Projects()
    with serving(service.app()) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path, *extra)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    return service, report


def test_a_safe_scan_moves_no_login_and_leaves_every_user_able_to_log_in(tmp_path: Path) -> None:
    """No e-mail or password of a seeded user changes at any point of a ``--safe`` scan, and
    the user the scan signs up for itself is made though the contract required nothing."""
    service, report = _scan(tmp_path, "--safe", "--checks", "sql_injection,slow_input,logout")
    assert service.moved == []
    assert _logs_in(service, "admin@example.com", "Admin-pass-2024")
    assert _logs_in(service, "alice@example.com", "Alice-pass-2024")
    rows = report["tables"]["target_state"]
    assert any("apiward-made-1" in row["object"] for row in rows), rows


def test_an_aggressive_injection_scan_sets_no_password(tmp_path: Path) -> None:
    """Every value of the admin's ``PATCH /users/{user_id}`` is probed, but not its password
    nor its e-mail: the logins of both users stay as seeded."""
    service, _ = _scan(tmp_path, "--aggressive", "--checks", "sql_injection")
    assert service.moved == []
    assert _logs_in(service, "admin@example.com", "Admin-pass-2024")
