"""Checks that can lock out or log out a user do it to an account the scan signed up.

The accounts API is written the way many small token services are: users sign up by
creating an account (``POST /v1/accounts``, no "register" in sight), log in by creating
a session, and an account that gets five wrong passwords is *silently* locked for ten
minutes — its right password is refused with the same 401 as a wrong one. It tells an
unknown e-mail (404) from a wrong password (401), and its logout only forgets the token
on the client. A scan with one real identity must report both flaws and leave that
identity able to log in.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from typing import Any

import httpx
import pytest
from flask import Flask, jsonify, request

from apiward.core.registry import Registry
from apiward.scan import Identity, Results, ScanConfig, scan
from apiward.scan.check import AnyCheck
from apiward.scan.checks.login import LoginFlaws
from apiward.scan.checks.logout import LogoutNotRevoking
from apiward.scan.checks.short_secret import ShortSecret
from apiward.scan.identities import Login
from apiward.spec import load
from serving import serving

LOCK_AFTER = 5
PEOPLE = {"carol@accounts.test": "Carol-pass-1", "dave@accounts.test": "Dave-pass-1"}


def accounts_app() -> Flask:
    """The accounts API: sign-up by creating an account, silent lockout, leaky login."""
    app = Flask(__name__)
    users = {e: {"id": n, "email": e, "name": e.split("@")[0]} for n, e in enumerate(PEOPLE, 1)}
    passwords = dict(PEOPLE)
    failures: dict[str, list[float]] = {}
    tokens: dict[str, str] = {}

    @app.get("/openapi.json")
    def contract() -> Any:
        return jsonify(_contract())

    @app.post("/v1/accounts")
    def create_account() -> Any:
        body = request.get_json(silent=True) or {}
        email, password = body.get("email"), body.get("password")
        if not isinstance(email, str) or not isinstance(password, str) or email in users:
            return jsonify(error="invalid_request"), 400
        users[email] = {"id": len(users) + 1, "email": email, "name": str(body.get("name", ""))}
        passwords[email] = password
        return jsonify(users[email]), 201

    @app.post("/v1/sessions")
    def create_session() -> Any:
        body = request.get_json(silent=True) or {}
        email, password = str(body.get("email", "")), body.get("password")
        if email not in users:
            return jsonify(error="no_such_account"), 404
        recent = [t for t in failures.get(email, []) if time.monotonic() - t < 600]
        if len(recent) >= LOCK_AFTER or passwords[email] != password:
            failures[email] = [*recent, time.monotonic()]
            return jsonify(error="invalid_grant"), 401
        token = secrets.token_urlsafe(24)
        tokens[token] = email
        return jsonify(access_token=token, token_type="bearer")

    @app.get("/v1/accounts/me")
    def me() -> Any:
        email = tokens.get(request.headers.get("Authorization", "").removeprefix("Bearer "))
        if email is None:
            return jsonify(error="unauthorized"), 401
        return jsonify(users[email])

    @app.post("/v1/logout")
    def logout() -> Any:
        return jsonify(message="bye"), 200

    return app


def _contract() -> dict[str, Any]:
    def body(*names: str) -> dict[str, Any]:
        props = {n: {"type": "string"} for n in names}
        schema = {"type": "object", "required": ["email", "password"], "properties": props}
        return {"required": True, "content": {"application/json": {"schema": schema}}}

    account = {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "email": {"type": "string"},
            "name": {"type": "string"},
        },
    }
    json_account = {"content": {"application/json": {"schema": account}}}
    secured = [{"bearer": []}]
    return {
        "openapi": "3.0.3",
        "info": {"title": "accounts", "version": "1"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": {
            "/v1/accounts": {
                "post": {
                    "security": [],
                    "requestBody": body("email", "password", "name"),
                    "responses": {"201": {"description": "created", **json_account}},
                }
            },
            "/v1/sessions": {
                "post": {
                    "security": [],
                    "requestBody": body("email", "password"),
                    "responses": {"200": {"description": "a token"}},
                }
            },
            "/v1/accounts/me": {
                "get": {
                    "security": secured,
                    "responses": {"200": {"description": "you", **json_account}},
                }
            },
            "/v1/logout": {
                "post": {
                    "operationId": "logout",
                    "security": secured,
                    "responses": {"200": {"description": "bye"}},
                }
            },
        },
    }


def _identity(email: str) -> Identity:
    body = {"email": email, "password": PEOPLE[email]}
    login = Login(method="POST", path="/v1/sessions", body=body, token="access_token")
    return Identity(name=email.split("@")[0], role="user", login=login)


@pytest.fixture(scope="module", params=[1, 2], ids=["one identity", "two peers"])
def scanned(request: pytest.FixtureRequest) -> tuple[Results, dict[str, int]]:
    """login, logout and short_secret as the file's identities; then who of them logs in.

    With one identity the scan signs up peers of its own; with two it signs up none, and
    the last identity is the one a scan without a throwaway account would lock out.
    """
    identities = tuple(_identity(e) for e in list(PEOPLE)[: request.param])
    checks: list[AnyCheck] = [LoginFlaws(), LogoutNotRevoking(), ShortSecret()]
    with serving(accounts_app(), wsgi=True) as url:
        api = load(f"{url}/openapi.json", allow_private=True)
        registry = Registry[AnyCheck]("check", ((c.id, c) for c in checks))
        results = asyncio.run(scan(api, ScanConfig(target=url, identities=identities), registry))
        logins = {
            i.name: httpx.post(f"{url}/v1/sessions", json=dict(i.login.body)).status_code
            for i in identities
            if i.login is not None
        }
    return results, logins


def test_every_identity_still_logs_in_after_the_scan(
    scanned: tuple[Results, dict[str, int]],
) -> None:
    """No wrong password landed on a real user or on a peer the scan made for other checks."""
    assert set(scanned[1].values()) == {200}
    locked = [c.object for c in scanned[0].target_state if c.state.value == "no longer logs in"]
    assert locked == []


def test_the_flaws_are_still_found_on_the_scans_own_account(
    scanned: tuple[Results, dict[str, int]],
) -> None:
    """User enumeration and a logout that revokes nothing are reported all the same."""
    found = {(f.check, f.operation) for f in scanned[0].findings}
    assert ("login", "POST /v1/sessions") in found
    assert ("logout", "POST /v1/logout") in found


def test_the_burst_did_not_call_the_silent_lockout_missing_protection(
    scanned: tuple[Results, dict[str, int]],
) -> None:
    """The throwaway's right password was refused after the burst: no brute-force finding."""
    keys = [f.key for f in scanned[0].findings if f.check == "login"]
    assert not any(k.startswith("no-brute-force-protection") for k in keys), keys
