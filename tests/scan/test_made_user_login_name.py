"""A user the scan signs up logs in by its e-mail where the file's login sends an e-mail.

The Koa trial's sign-up takes ``{email, password, name}``; its login is an OAuth2 password
grant whose ``username`` the identities file fills with an e-mail. The scan logged its own
users in with their display ``name``: ``invalid_grant`` four times, no ``apiward-made-1``,
and at the end the accounts could not log in to close themselves (ten stayed).
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
      operation: POST /auth/tokens
      json: {grant_type: password, username: alice@acme.test, password: alice-pass-1}
"""
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "field service", "version": "1"},
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/auth/signup": {"post": {
            "summary": "Sign up", "security": [],
            "requestBody": {"content": {"application/json": {"schema": {
                "type": "object", "required": ["email", "password", "name"],
                "properties": {"email": {"type": "string", "format": "email"},
                               "password": {"type": "string", "minLength": 8},
                               "name": {"type": "string"}}}}}},
            "responses": {"201": {"description": "Created"}}}},
        "/auth/tokens": {"post": {
            "summary": "Get a token (password grant)", "security": [],
            "requestBody": {"content": {"application/json": {"schema": {
                "type": "object", "required": ["grant_type", "username", "password"],
                "properties": {"grant_type": {"type": "string", "enum": ["password"]},
                               "username": {"type": "string", "format": "email"},
                               "password": {"type": "string"}}}}}},
            "responses": {"200": {"description": "Token"}, "400": {"description": "No"}}}},
        "/me": {
            "get": {"summary": "My account", "responses": {"200": {"description": "OK"}}},
            "delete": {"summary": "Close my account", "responses": {"204": {"description": "OK"}}}},
    },
}  # fmt: skip


class Service:
    """Accounts by e-mail, access tokens, and the app."""

    def __init__(self, contract: dict[str, Any] = CONTRACT) -> None:
        self.contract = contract
        self.accounts: dict[str, dict[str, Any]] = {
            "alice@acme.test": {"password": "alice-pass-1", "name": "Alice", "closed": False}
        }
        self.tokens: dict[str, str] = {}

    def app(self) -> Starlette:
        """The API."""
        return Starlette(
            routes=[
                Route("/openapi.json", lambda r: JSONResponse(self.contract)),
                Route("/auth/signup", self.signup, methods=["POST"]),
                Route("/auth/tokens", self.token, methods=["POST"]),
                Route("/me", self.me, methods=["GET", "DELETE"]),
            ]
        )

    async def signup(self, request: Request) -> Response:
        body = await request.json()
        if not isinstance(body, dict) or not all(body.get(k) for k in ("email", "password")):
            return JSONResponse({"error": "invalid_request"}, 422)
        if body["email"] in self.accounts:
            return JSONResponse({"error": "taken"}, 409)
        self.accounts[str(body["email"])] = {
            "password": str(body["password"]), "name": str(body.get("name")), "closed": False
        }  # fmt: skip
        return JSONResponse({"email": body["email"]}, 201)

    async def token(self, request: Request) -> Response:
        body = await request.json()
        account = self.accounts.get(str(body.get("username"))) if isinstance(body, dict) else None
        if account is None or account["closed"] or account["password"] != body.get("password"):
            return JSONResponse({"error": "invalid_grant"}, 400)
        token = secrets.token_hex(16)
        self.tokens[token] = str(body["username"])
        return JSONResponse({"access_token": token, "token_type": "Bearer"})

    async def me(self, request: Request) -> Response:
        mail = self.tokens.get(request.headers.get("authorization", "").removeprefix("Bearer "))
        if mail is None or self.accounts[mail]["closed"]:
            return JSONResponse({"error": "invalid_token"}, 401)
        if request.method == "DELETE":
            self.accounts[mail]["closed"] = True
            return Response(status_code=204)
        return JSONResponse({"email": mail, "name": self.accounts[mail]["name"]})


def test_the_scans_users_log_in_by_e_mail_and_close_themselves(tmp_path: Path) -> None:
    """apiward-made-1 is made, and every account the scan made is closed at the end."""
    service = Service()
    with serving(service.app()) as url:
        done, _ = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "bola")
    assert done.returncode < 2, done.stdout + done.stderr
    assert "could not make identity" not in done.stdout, done.stdout
    made = [m for m in service.accounts if m != "alice@acme.test"]
    assert made, "the scan signed up nobody"
    assert all(service.accounts[m]["closed"] for m in made), service.accounts
