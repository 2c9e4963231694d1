"""short_secret on a PIN that guards an object: the scan's own account makes one first.

A vault service in Flask: members sign up with a 4-digit PIN, make vaults, and open
their own with ``POST /vaults/{vault_id}/open`` and the PIN (another's vault: 403). The
careless build never locks; its twin locks a vault's owner out after five wrong PINs.
The real user's vault is never the one guessed at. Nothing deletes a vault, so only an
``--aggressive`` scan makes one (a default scan withholds the creation).
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask, abort, jsonify, request

from apiward.scan import Identity, Results, ScanConfig, scan
from apiward.scan.checks import builtin_checks
from apiward.scan.identities import Login
from apiward.spec import load

CREDENTIALS = {
    "type": "object",
    "required": ["username", "password"],
    "properties": {
        "username": {"type": "string", "maxLength": 40},
        "password": {"type": "string", "format": "password"},
    },
}
SIGN_UP = {
    **CREDENTIALS,
    "required": ["username", "password", "pin"],
    "properties": {**CREDENTIALS["properties"], "pin": {"type": "string", "pattern": "^\\d{4}$"}},
}
VAULT = {
    "type": "object",
    "properties": {"vault_id": {"type": "integer"}, "label": {"type": "string"}},
}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


ID = [{"name": "vault_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
CONTRACT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "vaults", "version": "1"},
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/signup": {
            "post": {
                "security": [],
                "requestBody": _body(SIGN_UP),
                "responses": {"201": {"description": "made"}},
            }
        },
        "/login": {
            "post": {
                "security": [],
                "requestBody": _body(CREDENTIALS),
                "responses": {"200": {"description": "token"}},
            }
        },
        "/vaults": {
            "post": {"requestBody": _body(VAULT), "responses": {"201": {"description": "made"}}}
        },
        "/vaults/{vault_id}": {
            "parameters": ID,
            "get": {"responses": {"200": {"description": "one"}}},
        },
        "/vaults/{vault_id}/open": {
            "parameters": ID,
            "post": {
                "requestBody": _body(
                    {
                        "type": "object",
                        "properties": {"pin": {"type": "string", "pattern": "^\\d{4}$"}},
                    }
                ),
                "responses": {
                    "200": {"description": "opened or not"},
                    "423": {"description": "locked"},
                },
            },
        },
    },
}


class Vaults:
    """Users, their vaults, and the wrong PINs each user's vaults got."""

    def __init__(self, *, locks: bool) -> None:
        self.locks = locks
        self.users: dict[str, dict[str, str]] = {
            "alice": {"password": "alice-pw-77", "pin": "7314"}
        }
        self.vaults: dict[int, dict[str, Any]] = {
            1: {"vault_id": 1, "label": "savings", "owner": "alice"}
        }
        self.tokens: dict[str, str] = {}
        self.wrong: Counter[str] = Counter()
        self.serial = itertools.count(2)

    def app(self) -> Flask:
        web = Flask("vaults")

        def caller() -> str:
            found = self.tokens.get(
                request.headers.get("Authorization", "").removeprefix("Bearer ")
            )
            return found or abort(401)

        @web.get("/openapi.json")
        def contract() -> Any:
            return jsonify(CONTRACT)

        @web.post("/signup")
        def signup() -> Any:
            body = request.get_json(silent=True) or {}
            name = body.get("username")
            if not isinstance(name, str) or not name or name in self.users:
                return jsonify(error="taken or missing"), 409
            self.users[name] = {"password": str(body.get("password")), "pin": str(body.get("pin"))}
            return jsonify(username=name), 201

        @web.post("/login")
        def login() -> Any:
            body = request.get_json(silent=True) or {}
            user = self.users.get(str(body.get("username")))
            if user is None or user["password"] != body.get("password"):
                return jsonify(error="invalid credentials"), 401
            token = secrets.token_hex(8)
            self.tokens[token] = str(body["username"])
            return jsonify(token=token)

        @web.post("/vaults")
        def make() -> Any:
            me = caller()
            number = next(self.serial)
            label = str((request.get_json(silent=True) or {}).get("label", ""))
            self.vaults[number] = {"vault_id": number, "label": label, "owner": me}
            return jsonify(vault_id=number, label=label), 201

        @web.get("/vaults/<int:number>")
        def read(number: int) -> Any:
            me = caller()
            vault = self.vaults.get(number) or abort(404)
            return (
                jsonify(vault_id=number, label=vault["label"])
                if vault["owner"] == me
                else abort(403)
            )

        @web.post("/vaults/<int:number>/open")
        def open_vault(number: int) -> Any:
            me = caller()
            vault = self.vaults.get(number) or abort(404)
            if vault["owner"] != me:
                abort(403)
            if self.locks and self.wrong[me] >= 5:
                return jsonify(error="locked"), 423
            if (request.get_json(silent=True) or {}).get("pin") != self.users[me]["pin"]:
                self.wrong[me] += 1
                return jsonify(error="wrong pin")
            return jsonify(opened=True, label=vault["label"])

        return web


def _scan(vaults: Vaults, serve: Callable[..., Any]) -> Results:
    alice = Identity(
        name="alice",
        login=Login(
            method="POST",
            path="/login",
            body={"username": "alice", "password": "alice-pw-77"},
            token="token",
        ),
    )
    server = serve(vaults.app(), wsgi=True)
    api = load(f"{server.url}/openapi.json", allow_private=True)
    # --aggressive: nothing deletes a vault, so a default scan makes none to guess at.
    config = ScanConfig(
        target=server.url, identities=(alice,), checks=("short_secret",), aggressive=True
    )
    return asyncio.run(scan(api, config, builtin_checks()))


@pytest.mark.parametrize("locks", [False, True], ids=["never-locks", "locks"])
def test_a_pin_on_an_object_is_guessed_on_one_the_scans_account_made(
    serve: Callable[..., Any], locks: bool
) -> None:
    """The careless vault is found, the locking one is not; alice's PIN is never guessed."""
    vaults = Vaults(locks=locks)
    results = _scan(vaults, serve)
    found = [f for f in results.findings if f.operation == "POST /vaults/{vault_id}/open"]
    assert vaults.wrong["alice"] == 0
    assert (found == []) is locks, results.skipped
