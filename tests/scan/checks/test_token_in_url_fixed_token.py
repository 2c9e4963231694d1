"""token_in_url: a fixed token of the file is tried before a session cookie signed anew.

The Sinatra trial's admin logs in with a Rack session cookie that the app signs again on
every answer (``expire_after``), and carol sends a personal ``Authorization: Token``. The
check took the first identity, the admin: its credential changed between two answers, so
the check stopped, "there is no token to move into the URL", and the API that takes
``?api_token=`` went unreported. Identities with a fixed credential go first now.
"""

from __future__ import annotations

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
  - name: admin
    role: admin
    login:
      operation: POST /session
      json: {email: admin@inkwell.test, password: admin-pass-1}
  - {name: carol, role: viewer, headers: {Authorization: Token token=carol-tok-4fd2}}
"""
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "inkwell", "version": "1"},
    "components": {"securitySchemes": {
        "cookie": {"type": "apiKey", "in": "cookie", "name": "inkwell.session"},
        "token": {"type": "apiKey", "in": "header", "name": "Authorization"}}},
    "security": [{"cookie": []}, {"token": []}],
    "paths": {
        "/session": {"post": {
            "summary": "Sign in", "security": [],
            "requestBody": {"content": {"application/json": {"schema": {
                "type": "object", "properties": {"email": {"type": "string"},
                                                 "password": {"type": "string"}}}}}},
            "responses": {"200": {"description": "Signed in"}}}},
        "/me": {"get": {"summary": "Current user", "responses": {"200": {"description": "OK"}}}},
    },
}  # fmt: skip


def app() -> Starlette:
    """Sessions re-signed on every answer; tokens in a header or, the flaw, ``?api_token=``."""
    sessions: dict[str, str] = {}

    def renew(response: Response, who: str) -> Response:
        cookie = secrets.token_hex(16)
        sessions[cookie] = who
        response.set_cookie("inkwell.session", cookie, httponly=True)
        return response

    async def session(request: Request) -> Response:
        body = await request.json()
        if body != {"email": "admin@inkwell.test", "password": "admin-pass-1"}:
            return JSONResponse({"error": "Invalid email or password"}, 401)
        return renew(JSONResponse({"user": {"email": "admin@inkwell.test"}}), "admin")

    async def me(request: Request) -> Response:
        cookie = request.cookies.get("inkwell.session", "")
        header = request.headers.get("authorization", "").removeprefix("Token token=")
        token = header or request.query_params.get("api_token", "")
        if cookie in sessions:
            who = sessions.pop(cookie)
            return renew(JSONResponse({"user": {"handle": f"@{who}", "role": "admin"}}), who)
        if token == "carol-tok-4fd2":
            return JSONResponse({"user": {"handle": "@carol", "role": "viewer"}})
        return JSONResponse({"error": "You need to sign in first"}, 401)

    return Starlette(
        routes=[
            Route("/openapi.json", lambda r: JSONResponse(CONTRACT)),
            Route("/session", session, methods=["POST"]),
            Route("/me", me),
        ]
    )


def test_the_fixed_token_is_moved_into_the_url(tmp_path: Path) -> None:
    """carol's token in ?api_token= gets carol's answer: a finding."""
    with serving(app()) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "token_in_url")
    assert done.returncode < 2, done.stdout + done.stderr
    found = [f for f in report["findings"] if f["check"] == "token_in_url"]
    assert [f["operation"] for f in found] == ["GET /me"], report["skipped"]
