"""A small API that logs people in every common way, written as people write them.

* ``POST /login`` (JSON) opens a server-side session: ``Set-Cookie: sid=...`` and a
  body without any token; a wrong password is ``200 {"status": "fail"}``.
* ``POST /form-login`` (form) and ``GET /q-login?user=&pass=`` answer a bearer token,
  the latter wrapped: ``{"data": {"token": ...}}``.
* ``POST /token`` takes HTTP basic and answers ``{"access_token": ...}``; ``GET /whoami``
  also takes HTTP basic directly.
* ``GET /track`` sets a ``seen`` cookie on an ordinary answer; ``GET /echo`` answers the
  cookies it got; ``GET /slow`` never answers in time.
* ``GET /notes`` lists the caller's notes; ``GET /notes/{id}`` is a BOLA: any session
  reads any note.
"""

from __future__ import annotations

import asyncio
import base64
import secrets
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

PASSWORDS = {"alice": "alice-pw-1234", "bob": "bob-pw-5678"}
USER_IDS = {"alice": 7, "bob": 8}
NOTES = {1: ("alice", "alice's diary: meet at noon"), 2: ("bob", "bob's note: buy milk today")}


def _ok(schema: dict[str, Any]) -> dict[str, Any]:
    return {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}}


def contract() -> dict[str, Any]:
    """The OpenAPI document of the app (``/slow`` and ``/token`` are left out on purpose)."""
    obj = {"type": "object"}
    secured = [{"sid": []}, {"bearer": []}, {"basic": []}]
    creds = {"type": "object", "properties": {"username": {"type": "string"}}}
    body = {"content": {"application/json": {"schema": creds}}}
    form = {"content": {"application/x-www-form-urlencoded": {"schema": creds}}}
    note_id = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "sessions", "version": "1"},
        "paths": {
            "/login": {"post": {"requestBody": body, "responses": _ok(obj), "security": []}},
            "/form-login": {"post": {"requestBody": form, "responses": _ok(obj), "security": []}},
            "/q-login": {"get": {"responses": _ok(obj), "security": []}},
            "/whoami": {"get": {"responses": _ok(obj), "security": secured}},
            "/notes": {
                "get": {"responses": _ok({"type": "array", "items": obj}), "security": secured}
            },
            "/notes/{id}": {
                "get": {"parameters": [note_id], "responses": _ok(obj), "security": secured}
            },
        },
        "components": {
            "securitySchemes": {
                "sid": {"type": "apiKey", "in": "cookie", "name": "sid"},
                "bearer": {"type": "http", "scheme": "bearer"},
                "basic": {"type": "http", "scheme": "basic"},
            }
        },
    }


class SessionsApi:
    """The app and what it saw: sessions and bearer tokens by user, cookies received."""

    def __init__(self) -> None:
        self.sessions: dict[str, str] = {}
        self.tokens: dict[str, str] = {}
        self.logins: list[str] = []

    def caller(self, request: Request) -> str | None:
        """Who a request authenticates as: session cookie, bearer token or basic."""
        if (sid := request.cookies.get("sid")) in self.sessions:
            return self.sessions[sid]
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme == "Bearer":
            return self.tokens.get(value)
        if scheme == "Basic":
            return _basic(value)
        return None

    def _token(self, user: str, kind: str) -> str:
        token = f"{kind}-{user}-{secrets.token_hex(8)}"
        self.tokens[token] = user
        self.logins.append(user)
        return token

    async def login(self, request: Request) -> Response:
        body = await request.json()
        user, password = body.get("username"), body.get("password")
        if PASSWORDS.get(user) != password:
            # Echoes what it got, as careless APIs do: the excerpt must not show the password.
            return JSONResponse({"status": "fail", "message": f"wrong password {password}"})
        sid = secrets.token_hex(16)
        self.sessions[sid] = user
        self.logins.append(user)
        answer = JSONResponse({"status": "ok", "user": {"id": USER_IDS[user], "username": user}})
        answer.set_cookie("sid", sid, httponly=True, samesite="lax")
        return answer

    async def form_login(self, request: Request) -> Response:
        form = await request.form()
        user = str(form.get("username"))
        if PASSWORDS.get(user) != form.get("password"):
            return JSONResponse({"detail": "invalid credentials"}, status_code=401)
        return JSONResponse({"access_token": self._token(user, "form"), "token_type": "bearer"})

    async def query_login(self, request: Request) -> Response:
        user = request.query_params.get("user", "")
        if PASSWORDS.get(user) != request.query_params.get("pass"):
            return JSONResponse({"success": False}, status_code=200)
        return JSONResponse({"success": True, "data": {"token": self._token(user, "q")}})

    async def token(self, request: Request) -> Response:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        user = _basic(value) if scheme == "Basic" else None
        if user is None:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        return JSONResponse({"access_token": self._token(user, "b")})

    async def whoami(self, request: Request) -> Response:
        user = self.caller(request)
        if user is None:
            return JSONResponse({"detail": "not authenticated"}, status_code=401)
        return JSONResponse({"username": user, "id": USER_IDS[user]})

    async def track(self, request: Request) -> Response:
        answer = JSONResponse({"ok": True})
        answer.set_cookie("seen", self.caller(request) or "nobody")
        return answer

    async def echo(self, request: Request) -> Response:
        return JSONResponse({"cookie": request.headers.get("cookie")})

    async def slow(self, request: Request) -> Response:
        await asyncio.sleep(5)
        return JSONResponse({})

    async def notes(self, request: Request) -> Response:
        user = self.caller(request)
        if user is None:
            return JSONResponse({"detail": "not authenticated"}, status_code=401)
        mine = [{"id": n, "text": text} for n, (owner, text) in NOTES.items() if owner == user]
        return JSONResponse(mine)

    async def note(self, request: Request) -> Response:
        if self.caller(request) is None:
            return JSONResponse({"detail": "not authenticated"}, status_code=401)
        owner, text = NOTES.get(int(request.path_params["id"]), ("", ""))
        if not owner:
            return JSONResponse({"detail": "no such note"}, status_code=404)
        return JSONResponse({"id": request.path_params["id"], "owner": owner, "text": text})

    def app(self) -> Starlette:
        """The Starlette app, serving its contract at ``/openapi.json``."""
        spec = contract()

        async def openapi(_: Request) -> Response:
            return JSONResponse(spec)

        return Starlette(
            routes=[
                Route("/openapi.json", openapi),
                Route("/login", self.login, methods=["POST"]),
                Route("/form-login", self.form_login, methods=["POST"]),
                Route("/q-login", self.query_login),
                Route("/token", self.token, methods=["POST"]),
                Route("/whoami", self.whoami),
                Route("/track", self.track),
                Route("/echo", self.echo),
                Route("/slow", self.slow),
                Route("/notes", self.notes),
                Route("/notes/{id:int}", self.note),
            ]
        )


def _basic(value: str) -> str | None:
    try:
        user, _, password = base64.b64decode(value).decode().partition(":")
    except ValueError:
        return None
    return user if PASSWORDS.get(user) == password else None
