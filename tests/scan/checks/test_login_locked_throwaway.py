"""The login check's throwaway account, locked by its wrong passwords, still closes itself.

The Sinatra and Express trials lock an account after five wrong passwords. ``login`` sends
them to an account it signed up for the purpose; at the end that account logs in to close
itself (``DELETE /me``), was refused (locked), and stayed, active, in the real database. The
check now logs the account in before its wrong guesses, and the restore closes it with that
session (``Sessions.kept``).
"""

from __future__ import annotations

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
    role: member
    login:
      operation: POST /session
      json: {email: alice@inkwell.test, password: alice-pass-1}
      token: token
"""
CREDENTIALS = {
    "type": "object",
    "required": ["email", "password"],
    "properties": {"email": {"type": "string", "format": "email"}, "password": {"type": "string"}},
}
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "inkwell", "version": "1"},
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/signup": {"post": {"summary": "Sign up", "security": [],
                             "requestBody": {"content": {"application/json": {
                                 "schema": CREDENTIALS}}},
                             "responses": {"201": {"description": "Created"}}}},
        "/session": {"post": {"summary": "Log in", "security": [],
                              "requestBody": {"content": {"application/json": {
                                  "schema": CREDENTIALS}}},
                              "responses": {"200": {"description": "Token"},
                                            "401": {"description": "Wrong"},
                                            "423": {"description": "Locked"}}}},
        "/me": {
            "get": {"summary": "My account", "responses": {"200": {"description": "OK"}}},
            "delete": {"summary": "Close my account",
                       "responses": {"204": {"description": "Closed"}}}},
    },
}  # fmt: skip
LOCK_AFTER = 5


class Inkwell:
    """Accounts that lock after five wrong passwords, and the app."""

    def __init__(self) -> None:
        self.accounts: dict[str, dict[str, Any]] = {
            "alice@inkwell.test": {"password": "alice-pass-1", "failed": 0, "closed": False}
        }
        self.tokens: dict[str, str] = {}

    def app(self) -> Starlette:
        """The API."""
        return Starlette(
            routes=[
                Route("/openapi.json", lambda r: JSONResponse(CONTRACT)),
                Route("/signup", self.signup, methods=["POST"]),
                Route("/session", self.session, methods=["POST"]),
                Route("/me", self.me, methods=["GET", "DELETE"]),
            ]
        )

    def open_accounts(self) -> set[str]:
        """E-mails of the accounts not closed."""
        return {mail for mail, a in self.accounts.items() if not a["closed"]}

    async def signup(self, request: Request) -> Response:
        body = await request.json()
        if not isinstance(body, dict) or not body.get("email") or not body.get("password"):
            return JSONResponse({"error": "email and password are required"}, 422)
        if body["email"] in self.accounts:
            return JSONResponse({"error": "taken"}, 409)
        self.accounts[str(body["email"])] = {
            "password": str(body["password"]), "failed": 0, "closed": False
        }  # fmt: skip
        return JSONResponse({"email": body["email"]}, 201)

    async def session(self, request: Request) -> Response:
        body = await request.json()
        account = self.accounts.get(str(body.get("email"))) if isinstance(body, dict) else None
        if account is None or account["closed"]:
            return JSONResponse({"error": "Invalid email or password"}, 401)
        if account["failed"] >= LOCK_AFTER:
            return JSONResponse({"error": "Account locked"}, 423)
        if account["password"] != body.get("password"):
            account["failed"] += 1
            return JSONResponse({"error": "Invalid email or password"}, 401)
        account["failed"] = 0
        token = secrets.token_hex(16)
        self.tokens[token] = str(body["email"])
        return JSONResponse({"token": token})

    async def me(self, request: Request) -> Response:
        mail = self.tokens.get(request.headers.get("authorization", "").removeprefix("Bearer "))
        if mail is None or self.accounts[mail]["closed"]:
            return JSONResponse({"error": "Not signed in"}, 401)
        if request.method == "DELETE":
            self.accounts[mail]["closed"] = True
            return Response(status_code=204)
        return JSONResponse({"email": mail})


def test_the_locked_throwaway_is_closed(tmp_path: Path) -> None:
    """The burst locks the throwaway; the restore closes it all the same."""
    inkwell = Inkwell()
    with serving(inkwell.app()) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "login")
    assert done.returncode < 2, done.stdout + done.stderr
    locked = [m for m, a in inkwell.accounts.items() if a["failed"] >= LOCK_AFTER]
    assert locked, "the burst locked no account: nothing below could fail"
    assert inkwell.open_accounts() == {"alice@inkwell.test"}, report["tables"]["target_state"]
