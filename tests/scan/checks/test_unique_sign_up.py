"""Sign-up probes: every one names a new account, so it reaches the code behind "username taken".

A Flask API lists its members' usernames and signs new ones up (409 on a taken
username). The username of a sign-up names the account it creates: filled with a
member's username seen in the listing, or with one fresh value reused by every probe,
the injection probes only ever met the uniqueness check. Nothing deletes a member, so
the probes go only under ``--aggressive`` (a default scan withholds them).
"""

from __future__ import annotations

import asyncio
from typing import Any

from flask import Flask, abort, jsonify, request

from apiward.core.registry import Registry
from apiward.scan import Identity, ScanConfig, scan
from apiward.scan.check import AnyCheck
from apiward.scan.checks.sql_injection import SqlInjection
from apiward.spec import load
from serving import serving

KEYS = {"key-alice": "alice", "key-bob": "bob"}
USERNAME = {"type": "string", "minLength": 3, "maxLength": 32, "pattern": "^[A-Za-z0-9_.-]+$"}


def _contract() -> dict[str, Any]:
    member = {"type": "object", "properties": {"username": {"type": "string"}}}
    sign_up = {
        "type": "object",
        "required": ["username", "password"],
        "properties": {
            "username": USERNAME,
            "password": {"type": "string", "minLength": 8},
            "display_name": {"type": "string", "maxLength": 80},
        },
    }

    def answer(code: str, schema: dict[str, Any]) -> dict[str, Any]:
        return {code: {"description": "ok", "content": {"application/json": {"schema": schema}}}}

    return {
        "openapi": "3.0.3",
        "info": {"title": "members", "version": "1"},
        "components": {"securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}},
        "security": [{"key": []}],
        "paths": {
            "/members": {"get": {"responses": answer("200", {"type": "array", "items": member})}},
            "/members/{username}": {
                "get": {
                    "parameters": [{"name": "username", "in": "path", "required": True, "schema": USERNAME}],
                    "responses": answer("200", member),
                }
            },
            "/signup": {
                "post": {
                    "security": [],
                    "requestBody": {"content": {"application/json": {"schema": sign_up}}},
                    "responses": {**answer("201", member), "409": {"description": "taken"}},
                }
            },
        },
    }  # fmt: skip


def members_app(sign_ups: list[tuple[str, int]]) -> Flask:
    """Members with unique usernames; a sign-up answers 409 for a taken one."""
    app = Flask(__name__)
    members = {"alice": "Alice", "bob": "Bob"}

    def caller() -> str:
        user = KEYS.get(request.headers.get("X-API-Key", ""))
        if user is None:
            abort(401)
        return user

    @app.get("/openapi.json")
    def contract() -> Any:
        return jsonify(_contract())

    @app.get("/members")
    def listing() -> Any:
        caller()
        return jsonify([{"username": name} for name in members])

    @app.get("/members/<username>")
    def show(username: str) -> Any:
        caller()
        if username not in members:
            abort(404)
        return jsonify({"username": username})

    @app.post("/signup")
    def signup() -> Any:
        body = request.get_json(silent=True) or {}
        username = str(body.get("username", ""))
        if username in members:
            sign_ups.append((username, 409))
            return jsonify(error="username taken"), 409
        members[username] = str(body.get("display_name", ""))
        sign_ups.append((username, 201))
        return jsonify({"username": username}), 201

    return app


def test_every_sign_up_probe_names_a_new_recognisable_account() -> None:
    """No probe gets "username taken", and every account made starts with ``apiward``."""
    sign_ups: list[tuple[str, int]] = []
    identities = tuple(
        Identity(name=name, role="user", headers={"X-API-Key": key}) for key, name in KEYS.items()
    )
    with serving(members_app(sign_ups), wsgi=True) as url:
        api = load(f"{url}/openapi.json", allow_private=True)
        checks = Registry[AnyCheck]("check", [("sql_injection", SqlInjection())])
        config = ScanConfig(target=url, identities=identities, aggressive=True)
        asyncio.run(scan(api, config, checks))
    assert len(sign_ups) > 3, sign_ups
    assert [s for s in sign_ups if s[1] == 409] == []
    assert all(name.startswith("apiward") for name, _ in sign_ups), sign_ups
