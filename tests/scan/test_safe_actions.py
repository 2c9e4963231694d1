"""--safe: an action on an identity's own state that nothing reads back is not taken as it.

A library in Flask: ``POST /vouchers/redeem`` adds a voucher's credit to the caller
(nothing but the credit shows it, and nothing takes it away), ``POST /books/search``
only asks. Under ``--safe`` alice's credit must stay as it was; the search still goes.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from typing import Any

from flask import Flask, abort, jsonify, request

from apiward.scan import Identity, ScanConfig, scan
from apiward.scan.checks import builtin_checks
from apiward.scan.identities import Login
from apiward.spec import load


def _body(properties: dict[str, Any]) -> dict[str, Any]:
    schema = {"type": "object", "properties": properties}
    return {"required": True, "content": {"application/json": {"schema": schema}}}


OK = {"200": {"description": "ok"}}
CONTRACT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "library", "version": "1"},
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/login": {
            "post": {
                "security": [],
                "requestBody": _body(
                    {"username": {"type": "string"}, "password": {"type": "string"}}
                ),
                "responses": OK,
            }
        },
        "/me": {"get": {"responses": OK}},
        "/vouchers/redeem": {
            "post": {
                "requestBody": _body({"code": {"type": "string", "example": "WELCOME"}}),
                "responses": OK,
            }
        },
        "/books/search": {
            "post": {"requestBody": _body({"q": {"type": "string"}}), "responses": OK}
        },
    },
}


class Library:
    """Credits per user, and how many searches came."""

    def __init__(self) -> None:
        self.credit = {"alice": 0, "bob": 0}
        self.searches = 0
        self.tokens: dict[str, str] = {}

    def app(self) -> Flask:
        web = Flask("library")

        def caller() -> str:
            found = self.tokens.get(
                request.headers.get("Authorization", "").removeprefix("Bearer ")
            )
            return found or abort(401)

        @web.get("/openapi.json")
        def contract() -> Any:
            return jsonify(CONTRACT)

        @web.post("/login")
        def login() -> Any:
            body = request.get_json(silent=True) or {}
            name = str(body.get("username"))
            if name not in self.credit or body.get("password") != f"{name}-pw-1":
                abort(401)
            token = secrets.token_hex(8)
            self.tokens[token] = name
            return jsonify(token=token)

        @web.get("/me")
        def me() -> Any:
            name = caller()
            return jsonify(username=name, credit=self.credit[name])

        @web.post("/vouchers/redeem")
        def redeem() -> Any:
            name = caller()
            self.credit[name] += 500
            return jsonify(credit=self.credit[name])

        @web.post("/books/search")
        def search() -> Any:
            caller()
            self.searches += 1
            return jsonify([{"title": "Dune"}])

        return web


def _identity(name: str) -> Identity:
    body = {"username": name, "password": f"{name}-pw-1"}
    return Identity(
        name=name,
        role="reader",
        login=Login(method="POST", path="/login", body=body, token="token"),
    )


def test_under_safe_a_redemption_is_not_taken_as_a_real_user(serve: Callable[..., Any]) -> None:
    """alice's and bob's credit stay at 0; the search, which only asks, is still sent."""
    library = Library()
    server = serve(library.app(), wsgi=True)
    api = load(f"{server.url}/openapi.json", allow_private=True)
    config = ScanConfig(
        target=server.url, identities=(_identity("alice"), _identity("bob")), safe=True
    )
    results = asyncio.run(scan(api, config, builtin_checks()))
    assert library.credit == {"alice": 0, "bob": 0}
    assert library.searches > 0
    assert any("nothing reads back" in s.detail for s in results.skipped), results.skipped
