"""mass_assignment on sign-ups: privilege fields a new user sets on itself, read back or by effect.

The forum API is written the way a small Flask API with camelCase JSON often is: a
public ``POST /api/signup`` (``email``, ``password``, ``displayName``), a login that
answers ``{"token": ..., "member": {...}}``, members listed with their ``plan``
(``free`` or ``pro``), and moderation reports only ``isAdmin`` members may read (403
for the others). The vulnerable sign-up copies the whole body onto the member — an
undocumented ``isAdmin`` flag and the ``plan`` included; the secure one takes only the
three documented fields. Neither answer nor contract shows ``isAdmin``.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import httpx
import pytest
from flask import Flask, jsonify, request

from apiward.core.findings import Severity
from apiward.core.registry import Registry
from apiward.scan import Identity, Results, ScanConfig, scan
from apiward.scan.check import AnyCheck
from apiward.scan.checks.mass_assignment import MassAssignment
from apiward.scan.identities import Login
from apiward.spec import load
from serving import serving

SEEDED = {"ann@forum.test": "Ann-pass-1", "max@forum.test": "Max-pass-1"}


def forum_app(*, vulnerable: bool) -> Flask:
    """The forum API; ``vulnerable`` copies every sign-up field onto the new member."""
    app = Flask(__name__)
    members: dict[str, dict[str, Any]] = {
        "ann@forum.test": {"email": "ann@forum.test", "displayName": "Ann", "plan": "free"},
        "max@forum.test": {"email": "max@forum.test", "displayName": "Max", "plan": "pro"},
    }
    passwords = dict(SEEDED)
    admins: set[str] = set()
    tokens: dict[str, str] = {}

    def caller() -> str | None:
        return tokens.get(request.headers.get("Authorization", "").removeprefix("Bearer "))

    @app.get("/openapi.json")
    def contract() -> Any:
        return jsonify(_contract())

    @app.post("/api/signup")
    def sign_up() -> Any:
        body = request.get_json(silent=True) or {}
        email = body.get("email")
        if not isinstance(email, str) or not body.get("password") or email in members:
            return jsonify(error="email and password required, email unused"), 400
        member = {"email": email, "displayName": body.get("displayName", ""), "plan": "free"}
        if vulnerable:
            member.update({k: v for k, v in body.items() if k in member})
            if body.get("isAdmin") is True:
                admins.add(email)
        members[email], passwords[email] = member, str(body["password"])
        return jsonify(message="welcome"), 201

    @app.post("/api/login")
    def log_in() -> Any:
        body = request.get_json(silent=True) or {}
        email = str(body.get("email", ""))
        if passwords.get(email) != body.get("password"):
            return jsonify(error="wrong email or password"), 401
        token = secrets.token_hex(16)
        tokens[token] = email
        return jsonify(token=token, member=members[email])

    @app.get("/api/members")
    def listing() -> Any:
        if caller() is None:
            return jsonify(error="log in"), 401
        return jsonify(members=list(members.values()))

    @app.get("/api/reports")
    def reports() -> Any:
        who = caller()
        if who is None:
            return jsonify(error="log in"), 401
        if who not in admins:
            return jsonify(error="moderators only"), 403
        return jsonify(reports=[{"about": "max@forum.test", "text": "spam"}])

    return app


def _contract() -> dict[str, Any]:
    member = {
        "type": "object",
        "properties": {
            "email": {"type": "string"},
            "displayName": {"type": "string"},
            "plan": {"type": "string"},
        },
    }
    credentials = {
        "type": "object",
        "required": ["email", "password"],
        "properties": {"email": {"type": "string"}, "password": {"type": "string"}},
    }
    sign_up = {
        "type": "object",
        "required": ["email", "password", "displayName"],
        "properties": {**credentials["properties"], "displayName": {"type": "string"}},
    }

    def body(schema: dict[str, Any]) -> dict[str, Any]:
        return {"required": True, "content": {"application/json": {"schema": schema}}}

    def answer(schema: dict[str, Any]) -> dict[str, Any]:
        return {"description": "ok", "content": {"application/json": {"schema": schema}}}

    secured = [{"bearer": []}]
    listing = {"type": "object", "properties": {"members": {"type": "array", "items": member}}}
    logged = {"type": "object", "properties": {"token": {"type": "string"}, "member": member}}
    reports = {"type": "object", "properties": {"reports": {"type": "array", "items": {}}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "forum", "version": "1"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": {
            "/api/signup": {
                "post": {
                    "security": [],
                    "requestBody": body(sign_up),
                    "responses": {"201": {"description": "welcome"}},
                }
            },
            "/api/login": {
                "post": {
                    "security": [],
                    "requestBody": body(credentials),
                    "responses": {"200": answer(logged)},
                }
            },
            "/api/members": {"get": {"security": secured, "responses": {"200": answer(listing)}}},
            "/api/reports": {
                "get": {
                    "security": secured,
                    "responses": {"200": answer(reports), "403": {"description": "no"}},
                }
            },
        },
    }


ANN = Identity(
    name="ann",
    role="member",
    login=Login(
        method="POST",
        path="/api/login",
        body={"email": "ann@forum.test", "password": "Ann-pass-1"},
        token="token",
    ),
)


def _scan(url: str) -> Results:
    api = load(f"{url}/openapi.json", allow_private=True)
    registry = Registry[AnyCheck]("check", [("mass_assignment", MassAssignment())])
    return asyncio.run(scan(api, ScanConfig(target=url, identities=(ANN,)), registry))


@pytest.fixture(scope="module")
def vulnerable() -> tuple[Results, dict[str, int]]:
    """The vulnerable forum scanned with mass_assignment; then who of the seeded logs in."""
    with serving(forum_app(vulnerable=True), wsgi=True) as url:
        results = _scan(url)
        with httpx.Client(base_url=url) as web:
            logins = {
                e: web.post("/api/login", json={"email": e, "password": p}).status_code
                for e, p in SEEDED.items()
            }
    return results, logins


def _sign_up_findings(results: Results) -> dict[str, Any]:
    return {
        f.key: f
        for f in results.findings
        if f.check == "mass_assignment" and f.operation == "POST /api/signup"
    }


def test_a_plan_the_answers_showed_is_set_at_sign_up_and_read_from_the_login(
    vulnerable: tuple[Results, dict[str, int]],
) -> None:
    """plan=pro (a value the member listing showed) comes back in the new member's login."""
    found = _sign_up_findings(vulnerable[0])
    assert "body:plan" in found, found
    assert found["body:plan"].severity is Severity.HIGH
    assert "'pro'" in found["body:plan"].detail
    assert "login answer" in found["body:plan"].detail


def test_an_undocumented_admin_flag_is_found_by_its_effect(
    vulnerable: tuple[Results, dict[str, int]],
) -> None:
    """No answer shows isAdmin; the flagged member reads the reports a plain one may not."""
    found = _sign_up_findings(vulnerable[0])
    flag = next((f for k, f in found.items() if "isAdmin" in k), None)
    assert flag is not None, found
    assert flag.severity is Severity.HIGH
    assert "GET /api/reports refused the plain account (403)" in flag.detail


def test_the_accounts_it_made_are_listed_and_the_seeded_still_log_in(
    vulnerable: tuple[Results, dict[str, int]],
) -> None:
    """Every sign-up is in the target state; the seeded members' logins are untouched."""
    results, logins = vulnerable
    accounts = [c for c in results.target_state if c.what.value == "account signed up"]
    assert len(accounts) >= 3
    assert set(logins.values()) == {200}


def test_the_secure_twin_has_nothing_of_medium_or_above() -> None:
    """The sign-up that takes only its documented fields gives nothing."""
    with serving(forum_app(vulnerable=False), wsgi=True) as url:
        results = _scan(url)
    loud = [f for f in results.findings if f.severity >= Severity.MEDIUM]
    assert loud == [], [f.title for f in loud]
