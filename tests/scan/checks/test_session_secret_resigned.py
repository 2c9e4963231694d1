"""session_secret when every answer signs the session anew (Mojolicious' sliding expiry).

Mojolicious stores the session on every response with its ``expires`` moved on, so the
cookie's value (and signature) changes each second. The check read an identity's cookie,
then replaced that value in the baseline it had sent meanwhile, which carried a newer one:
"the request does not carry the token to replace": the check was dropped, no finding, and a
red CI run now and then (`tests/scan/checks/test_session_secret_mojolicious.py`).
A Starlette app speaking Mojolicious' cookie format, whose every answer re-signs the
session with a counter, makes the race certain: the check forges the cookie the baseline
carried, and finds the dictionary key.
"""

from __future__ import annotations

import itertools

from auth_support import scan_only, user
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from apiward.core.findings import Severity
from apiward.scan.checks.session_secret import SessionSecret
from apiward.scan.signed_cookies import Mojolicious, read
from serving import serving

SECRET = "changeme"
NOTES = {"maria": "maria's diary", "tom": "tom's plans"}
OK = {"200": {"description": "ok", "content": {"application/json": {"schema": {}}}}}
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "notes", "version": "1"},
    "components": {
        "securitySchemes": {"cookie": {"type": "apiKey", "in": "cookie", "name": "mojolicious"}}
    },
    "security": [{"cookie": []}],
    "paths": {
        "/auth/login": {"post": {"security": [], "responses": OK, "requestBody": {"content": {
            "application/json": {"schema": {"type": "object", "properties": {
                "username": {"type": "string"}, "password": {"type": "string"}}}}}}}},
        "/notes/mine": {"get": {"responses": OK}},
    },
}  # fmt: skip


def app() -> Starlette:
    """The notes API; each answer to a session re-signs it with the next ``n``."""
    signer, turns = Mojolicious(), itertools.count(1)

    def answer(data: dict[str, str], user: str) -> Response:
        reply = JSONResponse(data)
        session = {"user": user, "n": next(turns), "expires": 4102444800}
        reply.set_cookie("mojolicious", signer.forge(SECRET, session), httponly=True)
        return reply

    async def login(request: Request) -> Response:
        body = await request.json()
        name = str(body.get("username", ""))
        if name not in NOTES or body.get("password") != f"{name}-pw-1":
            return JSONResponse({"error": "invalid credentials"}, 401)
        return answer({"message": "welcome"}, name)

    async def mine(request: Request) -> Response:
        value = request.cookies.get("mojolicious", "")
        cookie = read(value) if signer.verify(value, SECRET) else None
        name = str(cookie.session.get("user", "")) if cookie else ""
        if name not in NOTES:
            return JSONResponse({"error": "log in first"}, 401)
        return answer({"owner": name, "note": NOTES[name]}, name)

    return Starlette(
        routes=[
            Route("/openapi.json", lambda r: JSONResponse(CONTRACT)),
            Route("/auth/login", login, methods=["POST"]),
            Route("/notes/mine", mine),
        ]
    )


def test_the_key_is_found_though_the_cookie_changes_at_every_answer() -> None:
    """The forged cookie replaces what the baseline carried: critical, and no error."""
    identities = tuple(user(n, f"{n}-pw-1", path="/auth/login") for n in NOTES)
    with serving(app()) as url:
        results = scan_only(url, [SessionSecret()], identities)
    assert results.errors == []
    [finding] = results.findings
    assert finding.severity is Severity.CRITICAL
