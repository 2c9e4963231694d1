"""mass_assignment on a Flask API written the way its authors write it: probes use values it knows.

The staff API keeps a ``role`` of ``Chef``, ``Employee`` or ``Customer`` and looks the
role up on every login and every authenticated request, so a role it does not know
(say ``admin``) answers 500 for that user from then on. Its ``PATCH /users/me`` copies
the whole body onto the user (vulnerable) or only ``name`` and ``phone`` (secure). Its
``/api/v1/profile`` answers ``{"data": {"user": {...}}}`` and the contract declares
``is_admin`` writable; the vulnerable app lets anyone set it on themselves.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import httpx
import pytest
from flask import Flask, abort, jsonify, request

from apiward.core.findings import Finding, Severity
from apiward.core.registry import Registry
from apiward.scan import Identity, Results, ScanConfig, scan
from apiward.scan.check import AnyCheck
from apiward.scan.checks import builtin_checks
from apiward.scan.checks.mass_assignment import MassAssignment
from apiward.scan.identities import Login
from apiward.spec import load
from serving import serving

ROLES = {"Chef": {"staff", "menu"}, "Employee": {"staff"}, "Customer": set()}
PASSWORDS = {"chef": "Chef-pass-1", "alice": "Alice-pass-1", "bob": "Bob-pass-1"}


def _users() -> dict[str, dict[str, Any]]:
    return {
        "chef": {"id": 1, "username": "chef", "name": "Carla", "phone": "+4911", "role": "Chef"},
        "eve": {"id": 2, "username": "eve", "name": "Eve", "phone": "+4912", "role": "Employee"},
        "alice": {"id": 3, "username": "alice", "name": "Al", "phone": "+4913", "role": "Customer"},
        "bob": {"id": 4, "username": "bob", "name": "Bo", "phone": "+4914", "role": "Customer"},
    }


def _contract() -> dict[str, Any]:
    user = {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "username": {"type": "string"},
            "name": {"type": "string"},
            "phone": {"type": "string"},
            "role": {"type": "string"},
        },
    }
    edit = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "phone": {"type": "string"}},
    }
    profile = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "is_admin": {"type": "boolean"}},
    }
    wrapped = {"type": "object", "properties": {"data": {"type": "object"}}}
    secured = [{"bearer": []}]

    def answer(schema: dict[str, Any]) -> dict[str, Any]:
        return {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}}

    def body(schema: dict[str, Any]) -> dict[str, Any]:
        return {"content": {"application/json": {"schema": schema}}}

    return {
        "openapi": "3.0.3",
        "info": {"title": "staff", "version": "1"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": {
            "/auth/login": {
                "post": {
                    "security": [],
                    "requestBody": body(
                        {
                            "type": "object",
                            "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
                        }
                    ),
                    "responses": answer({"type": "object"}),
                }
            },
            "/users": {"get": {"security": secured, "responses": answer({"type": "array", "items": user})}},
            "/users/me": {
                "get": {"security": secured, "responses": answer(user)},
                "patch": {"security": secured, "requestBody": body(edit), "responses": answer(user)},
            },
            "/api/v1/profile": {
                "get": {"security": secured, "responses": answer(wrapped)},
                "put": {"security": secured, "requestBody": body(profile), "responses": answer(wrapped)},
            },
        },
    }  # fmt: skip


def staff_app(
    *, vulnerable: bool, crash: bool = False
) -> tuple[Flask, dict[str, dict[str, Any]], list[Any]]:
    """The staff API, its users table, and every role value a request tried to store.

    With ``crash``, an edit that carries a role is stored and then answered with a 500
    (an error after the commit, as in a post-save hook that fails).
    """
    app = Flask(__name__)
    users = _users()
    tokens: dict[str, str] = {}
    admins: dict[str, bool] = dict.fromkeys(users, False)
    stored: list[Any] = []
    failures: dict[str, int] = {}

    def permissions(user: dict[str, Any]) -> set[str]:
        return ROLES[user["role"]]  # KeyError on a role the app does not know: a 500

    def current() -> dict[str, Any]:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if token not in tokens:
            abort(401)
        user = users[tokens[token]]
        permissions(user)
        return user

    @app.get("/openapi.json")
    def contract() -> Any:
        return jsonify(_contract())

    @app.post("/auth/login")
    def login() -> Any:
        body = request.get_json(silent=True) or {}
        name = str(body.get("username"))
        user = users.get(name)
        if user is None or PASSWORDS.get(name) != body.get("password"):
            failures[name] = failures.get(name, 0) + 1
            abort(429 if not vulnerable and failures[name] > 5 else 401)
        failures.pop(name, None)
        token = secrets.token_hex(8)
        tokens[token] = user["username"]
        return jsonify(access_token=token, permissions=sorted(permissions(user)))

    @app.get("/users")
    def listing() -> Any:
        if "staff" not in permissions(current()):
            abort(403)
        return jsonify(list(users.values()))

    @app.get("/users/me")
    def me() -> Any:
        return jsonify(current())

    @app.patch("/users/me")
    def edit() -> Any:
        user = current()
        body = request.get_json(silent=True) or {}
        if "role" in body:
            stored.append(body["role"])
        user.update(body if vulnerable else {k: body[k] for k in ("name", "phone") if k in body})
        if crash and "role" in body:
            abort(500)
        return jsonify(user)

    def profile(user: dict[str, Any]) -> Any:
        shown = {"id": user["id"], "name": user["name"], "is_admin": admins[user["username"]]}
        return jsonify(data={"user": shown})

    @app.get("/api/v1/profile")
    def show_profile() -> Any:
        return profile(current())

    @app.put("/api/v1/profile")
    def edit_profile() -> Any:
        user = current()
        body = request.get_json(silent=True) or {}
        if "is_admin" in body and (vulnerable or admins[user["username"]]):
            admins[user["username"]] = bool(body["is_admin"])
        user["name"] = str(body.get("name", user["name"]))
        return profile(user)

    return app, users, stored


def _identity(name: str, role: str) -> Identity:
    body = {"username": name, "password": PASSWORDS[name]}
    return Identity(name=name, role=role, login=Login(method="POST", path="/auth/login", body=body))


CUSTOMERS = (_identity("alice", "Customer"), _identity("bob", "Customer"))
EVERYONE = (_identity("chef", "Chef"), *CUSTOMERS)


def _scan(url: str, checks: list[AnyCheck], identities: tuple[Identity, ...]) -> Results:
    api = load(f"{url}/openapi.json", allow_private=True)
    registry = Registry[AnyCheck]("check", ((c.id, c) for c in checks))
    return asyncio.run(scan(api, ScanConfig(target=url, identities=identities), registry))


def _mass(results: Results) -> dict[str, Finding]:
    return {f.key: f for f in results.findings if f.check == "mass_assignment"}


def _logins(url: str) -> dict[str, int]:
    with httpx.Client(base_url=url) as client:
        return {
            name: client.post(
                "/auth/login", json={"username": name, "password": password}
            ).status_code
            for name, password in PASSWORDS.items()
        }


@pytest.fixture(scope="module")
def full_scan() -> tuple[Results, dict[str, dict[str, Any]], list[Any], dict[str, int]]:
    """Every built-in check against the vulnerable staff API; then who can still log in."""
    app, users, stored = staff_app(vulnerable=True)
    with serving(app, wsgi=True) as url:
        results = _scan(url, list(builtin_checks()), EVERYONE)
        return results, users, stored, _logins(url)


def test_the_role_is_set_to_a_role_the_app_knows(full_scan: Any) -> None:
    """The mass assignment on role is found, high, with Chef: a role the API's answers showed."""
    results, _, stored, _ = full_scan
    finding = _mass(results).get("body:role")
    assert finding is not None, sorted(_mass(results))
    assert finding.severity is Severity.HIGH
    assert "'Chef'" in finding.detail
    assert "answers show" in finding.detail
    assert stored
    assert set(stored) <= set(ROLES), stored


def test_after_the_scan_every_user_still_logs_in_with_the_role_it_had(full_scan: Any) -> None:
    """No probe left a user with an unknown role (500 at login) or another role than before."""
    results, users, _, logins = full_scan
    assert logins == dict.fromkeys(PASSWORDS, 200)
    assert {n: u["role"] for n, u in users.items()} == {n: u["role"] for n, u in _users().items()}
    assert results.errors == []


def test_a_writable_is_admin_inside_an_envelope_is_tried_on_oneself(full_scan: Any) -> None:
    """is_admin under data.user, declared writable, set by a customer on itself: high (it
    makes the customer an administrator), and restored."""
    finding = _mass(full_scan[0]).get("body:is_admin")
    assert finding is not None, sorted(_mass(full_scan[0]))
    assert finding.severity is Severity.HIGH
    assert "declares it writable" in finding.title
    assert "alice" in finding.title or "bob" in finding.title
    assert "It was restored." in finding.detail


def test_without_a_known_role_the_role_is_not_probed_and_the_skip_says_so() -> None:
    """Customers alone never see another role: role is left alone, and the skip says why."""
    app, users, stored = staff_app(vulnerable=True)
    with serving(app, wsgi=True) as url:
        results = _scan(url, [MassAssignment()], CUSTOMERS)
    assert "body:role" not in _mass(results)
    assert stored == []
    assert any("role" in s.detail and "not probed" in s.detail for s in results.skipped)
    assert users["alice"]["role"] == "Customer"


def test_a_write_answered_with_500_is_still_read_back_and_restored() -> None:
    """A 500 may have written too: the role is read back (a finding) and put back all the same."""
    app, users, stored = staff_app(vulnerable=True, crash=True)
    with serving(app, wsgi=True) as url:
        results = _scan(url, [MassAssignment()], EVERYONE)
        logins = _logins(url)
    finding = _mass(results).get("body:role")
    assert finding is not None, sorted(_mass(results))
    assert "It was restored." in finding.detail
    assert {n: u["role"] for n, u in users.items()} == {n: u["role"] for n, u in _users().items()}
    assert "Customer" in stored
    assert logins == dict.fromkeys(PASSWORDS, 200)


def test_the_secure_twin_has_nothing_of_medium_or_above() -> None:
    """The secure staff API binds name and phone and guards is_admin: no medium+ finding at all."""
    app, _, _ = staff_app(vulnerable=False)
    with serving(app, wsgi=True) as url:
        results = _scan(url, list(builtin_checks()), EVERYONE)
        logins = _logins(url)
    alarms = [
        f"{f.check} {f.operation} {f.title}"
        for f in results.findings
        if f.severity >= Severity.MEDIUM
    ]
    assert alarms == []
    assert logins == dict.fromkeys(PASSWORDS, 200)
    assert results.errors == []
