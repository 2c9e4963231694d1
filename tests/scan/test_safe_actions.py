"""Actions on an identity's own state that nothing reads back: who takes them, and when.

A library in Flask: ``POST /vouchers/redeem`` adds a voucher's credit to the caller
(nothing takes it away), ``POST /holds/renew`` renews the caller's holds (nothing shows
it), ``POST /books/search`` only asks. A redemption is never taken as a real user
(without ``--aggressive``); under ``--safe`` neither is the renewal; the search goes.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from typing import Any

from flask import Flask, abort, jsonify, request
from test_ledger import Writes

from apiward.core.registry import Registry
from apiward.scan import Identity, ScanConfig, scan
from apiward.scan.check import AnyCheck
from apiward.scan.checks import builtin_checks
from apiward.scan.identities import Login
from apiward.scan.request import BodyKind, Request
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
        "/holds/renew": {
            "post": {"requestBody": _body({"days": {"type": "integer"}}), "responses": OK}
        },
    },
}


class Library:
    """Credits per user, and how many searches came."""

    def __init__(self) -> None:
        self.credit = {"alice": 0, "bob": 0}
        self.searches = 0
        self.renewals = {"alice": 0, "bob": 0}
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

        @web.post("/holds/renew")
        def renew() -> Any:
            self.renewals[caller()] += 1  # shown nowhere: nothing reads it back
            return jsonify(renewed=True)

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


def _scan(library: Library, serve: Callable[..., Any], *, safe: bool) -> Any:
    server = serve(library.app(), wsgi=True)
    api = load(f"{server.url}/openapi.json", allow_private=True)
    identities = (_identity("alice"), _identity("bob"))
    config = ScanConfig(target=server.url, identities=identities, safe=safe)
    return asyncio.run(scan(api, config, builtin_checks()))


def test_a_redemption_is_never_taken_as_a_real_user(serve: Callable[..., Any]) -> None:
    """Without --aggressive alice's and bob's credit stay at 0; the search is sent."""
    library = Library()
    results = _scan(library, serve, safe=False)
    assert library.credit == {"alice": 0, "bob": 0}
    assert any("redemption credits its sender" in s.detail for s in results.skipped)
    assert library.searches > 0


def test_under_safe_no_action_nothing_reads_back_is_taken_as_a_real_user(
    serve: Callable[..., Any],
) -> None:
    """Under --safe alice's renewal is withheld; her search, which only asks, goes."""
    library = Library()
    server = serve(library.app(), wsgi=True)
    api = load(f"{server.url}/openapi.json", allow_private=True)
    post = {
        path: Request(
            method="POST", path=path, operation=f"POST {path}", body=body, body_kind=BodyKind.JSON
        )
        for path, body in (("/books/search", {"q": "dune"}), ("/holds/renew", {"days": 7}))
    }
    check = Writes(("alice", post["/books/search"]), ("alice", post["/holds/renew"]))
    config = ScanConfig(target=server.url, identities=(_identity("alice"),), safe=True)
    results = asyncio.run(scan(api, config, Registry[AnyCheck]("check", [(check.id, check)])))
    assert library.renewals == {"alice": 0, "bob": 0}
    assert library.searches == 1
    assert any("nothing reads back" in s.detail for s in results.skipped), results.skipped
