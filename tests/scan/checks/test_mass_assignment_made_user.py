"""mass_assignment tries one's own record as the user the scan made, when the file's users cannot be put back.

The Fastify trial's ``PATCH /v2/me`` takes ``name`` and ``phone``, and its handler copies
every column it is sent: ``credits`` and ``org_role`` too. ``GET /v2/me`` shows both, and
nothing in the contract writes them back, so a file identity's probe could not be undone
and was never sent. The scan had signed up a user of its own, whose record is the scan's:
the probe goes out as that user. A Flask app; the fixed twin takes only what it declares.
"""

from __future__ import annotations

import itertools
import secrets
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, request
from flask.typing import ResponseReturnValue
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - name: alice
    role: member
    login:
      operation: POST /auth/login
      json: {email: alice@desk.test, password: alice-pw-77}
      token: access_token
"""
WITH_BOB = (
    IDENTITIES
    + """\
  - name: bob
    role: member
    login:
      operation: POST /auth/login
      json: {email: bob@desk.test, password: bob-pw-78}
      token: access_token
"""
)
_TEXT = {"type": "string", "maxLength": 80}
_CREDENTIALS = {
    "type": "object",
    "required": ["email", "password"],
    "properties": {"email": {"type": "string", "format": "email"}, "password": _TEXT},
}
_ME = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "email": {"type": "string"},
        "name": _TEXT,
        "phone": _TEXT,
        "credits": {"type": "integer"},
        "org_role": {"type": "string"},
    },
}


def _json(schema: dict[str, Any], description: str = "ok") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "deskhub members", "version": "2.0.0"},
    "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearerAuth": []}],
    "paths": {
        "/auth/signup": {
            "post": {
                "summary": "Create an account",
                "security": [],
                "requestBody": _body(
                    {**_CREDENTIALS, "properties": {**_CREDENTIALS["properties"], "name": _TEXT}}
                ),
                "responses": {"201": _json(_ME, "created")},
            }
        },
        "/auth/login": {
            "post": {
                "summary": "Log in",
                "security": [],
                "requestBody": _body(_CREDENTIALS),
                "responses": {"200": _json({"type": "object"})},
            }
        },
        "/v2/me": {
            "get": {"summary": "My profile", "responses": {"200": _json(_ME)}},
            "patch": {
                "summary": "Update my profile",
                "requestBody": _body(
                    {"type": "object", "properties": {"name": _TEXT, "phone": _TEXT}}
                ),
                "responses": {"200": _json(_ME)},
            },
        },
    },
}


class Desk:
    """Members by e-mail; ``flawed`` copies every column a profile update sends."""

    def __init__(self, *, flawed: bool) -> None:
        self.flawed = flawed
        self.users: dict[str, dict[str, Any]] = {
            "alice@desk.test": {
                "id": 1,
                "password": "alice-pw-77",
                "name": "Alice",
                "phone": None,
            }
        }
        self.users["alice@desk.test"] |= {"credits": 240, "org_role": "member"}
        self.users["bob@desk.test"] = {**self.users["alice@desk.test"], "id": 9, "name": "Bob"}
        self.users["bob@desk.test"]["password"] = "bob-pw-78"
        self.tokens: dict[str, str] = {}
        self.serial = itertools.count(2)
        self.app = self._build()

    def _build(self) -> Flask:
        app = Flask("deskhub")
        app.add_url_rule("/openapi.json", "spec", lambda: SPEC)
        app.add_url_rule("/auth/signup", "signup", self.signup, methods=["POST"])
        app.add_url_rule("/auth/login", "login", self.login, methods=["POST"])
        app.add_url_rule("/v2/me", "me", self.me, methods=["GET", "PATCH"])
        return app

    def signup(self) -> ResponseReturnValue:
        body = request.get_json(silent=True) or {}
        email = str(body.get("email", ""))
        if "@" not in email or email in self.users or not body.get("password"):
            return {"statusCode": 400, "error": "Bad Request", "message": "invalid"}, 400
        self.users[email] = {"id": next(self.serial), "password": str(body["password"])}
        self.users[email] |= {"name": str(body.get("name", "")), "phone": "", "credits": 0}
        self.users[email]["org_role"] = "member"
        return self._out(email), 201

    def login(self) -> ResponseReturnValue:
        body = request.get_json(silent=True) or {}
        found = self.users.get(str(body.get("email")))
        if found is None or found["password"] != body.get("password"):
            return {"statusCode": 401, "error": "Unauthorized", "message": "Invalid login"}, 401
        token = secrets.token_hex(8)
        self.tokens[token] = str(body["email"])
        return {"access_token": token}

    def me(self) -> ResponseReturnValue:
        email = self.tokens.get(request.headers.get("Authorization", "").removeprefix("Bearer "))
        if email is None or email not in self.users:
            return {"statusCode": 401, "error": "Unauthorized", "message": "No token"}, 401
        if request.method == "PATCH":
            body = request.get_json(silent=True) or {}
            allowed = (
                set(self.users[email]) - {"id", "password"} if self.flawed else {"name", "phone"}
            )
            for name, value in body.items():
                if name in allowed and isinstance(value, str | int):
                    self.users[email][name] = value
        return self._out(email)

    def _out(self, email: str) -> dict[str, Any]:
        user = self.users[email]
        return {"email": email, **{k: v for k, v in user.items() if k != "password"}}


@pytest.mark.parametrize(
    ("flawed", "identities"),
    [(True, IDENTITIES), (False, IDENTITIES), (True, WITH_BOB), (False, WITH_BOB)],
    ids=["flawed-peer-made", "fixed-peer-made", "flawed-throwaway", "fixed-throwaway"],
)
def test_the_made_user_takes_the_probe(flawed: bool, identities: str, tmp_path: Path) -> None:
    """``credits`` set through one's own profile is found on the flawed twin, as the peer the
    scan made for alice, or with bob beside her as a throwaway; no seeded user is written."""
    desk = Desk(flawed=flawed)
    seeded = {k: dict(v) for k, v in desk.users.items()}
    with serving(desk.app, wsgi=True) as url:
        done, report = scan_with_identities(
            url, identities, tmp_path, "--checks", "mass_assignment"
        )
    assert done.returncode in {0, 1}, done.stdout[-3000:]
    found = {f["operation"] for f in report["findings"] if f["check"] == "mass_assignment"}
    assert ("PATCH /v2/me" in found) is flawed, report["skipped"]
    assert {k: desk.users[k] for k in seeded} == seeded


def test_a_logins_refusal_is_not_called_the_identitys_own(tmp_path: Path) -> None:
    """A login's baseline logs in as a made-up account: its 401 is not alice's (the Fastify
    trial's resource_limits skip blamed alice's credentials)."""
    desk = Desk(flawed=False)
    with serving(desk.app, wsgi=True) as url:
        done, report = scan_with_identities(url, WITH_BOB, tmp_path, "--checks", "resource_limits")
    assert done.returncode in {0, 1}, done.stdout[-3000:]
    [skip] = [s for s in report["skipped"] if s["operation"] == "POST /auth/login"]
    assert skip["detail"].startswith("a login, sent for a made-up account: alice: 401"), skip
