"""The login check's throwaway account fits a sign-up whose user name has a pattern.

A Flask API written the way the Express trial's was: ``POST /auth/register`` takes a
``username`` (``^[a-zA-Z0-9_]+$``), an ``email`` and a ``password``; ``POST /auth/login``
takes the e-mail. After five wrong passwords an account is locked. The login check
signs up an account of its own to guess passwords at, so that no real user is locked
out. It used to send the e-mail as the user name too: the sign-up was refused, and the
twelve wrong passwords went to the last real identity, which the lockout then shut out.
Signing up, it now gives the user name a plain name and the e-mail field the e-mail.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import flask
from tests.conftest import scan_with_identities

from serving import serving

NAME = re.compile(r"^[a-zA-Z0-9_]+$")
LOCK_AFTER = 5
IDENTITIES = """\
identities:
  - name: alice
    role: user
    login:
      operation: POST /auth/login
      json: {email: alice@example.org, password: alice-pass-1}
      token: token
  - name: bob
    role: user
    login:
      operation: POST /auth/login
      json: {email: bob@example.org, password: bob-pass-22}
      token: token
"""
CREDENTIALS = {
    "type": "object",
    "required": ["email", "password"],
    "properties": {"email": {"type": "string", "format": "email"}, "password": {"type": "string"}},
}
SIGN_UP = {
    "type": "object",
    "required": ["username", "email", "password"],
    "properties": {
        "username": {"type": "string", "pattern": NAME.pattern, "maxLength": 30},
        "email": {"type": "string", "format": "email"},
        "password": {"type": "string", "minLength": 8},
    },
}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "tickets", "version": "1.0.0"},
    "paths": {
        "/auth/register": {
            "post": {
                "requestBody": _body(SIGN_UP),
                "responses": {"201": {"description": "Created"}, "400": {"description": "Bad"}},
            }
        },
        "/auth/login": {
            "post": {
                "requestBody": _body(CREDENTIALS),
                "responses": {
                    "200": {"description": "A token"},
                    "401": {"description": "Wrong e-mail or password"},
                    "423": {"description": "Locked"},
                },
            }
        },
    },
}


def app_of(users: dict[str, dict[str, Any]]) -> flask.Flask:
    """The API: accounts by e-mail, each locked after ``LOCK_AFTER`` wrong passwords."""
    app = flask.Flask("tickets")
    app.json.sort_keys = False  # type: ignore[attr-defined]  # the contract's own order: username first

    @app.get("/openapi.json")
    def contract() -> Any:
        return CONTRACT

    @app.post("/auth/register")
    def register() -> Any:
        body = flask.request.get_json(silent=True) or {}
        if not NAME.match(str(body.get("username", ""))):
            return {"errors": [{"path": "username", "msg": "Invalid value"}]}, 400
        if body.get("email") in users or len(str(body.get("password", ""))) < 8:
            return {"error": "Cannot register"}, 400
        users[body["email"]] = {"password": body["password"], "failures": 0}
        return {"username": body["username"]}, 201

    @app.post("/auth/login")
    def login() -> Any:
        body = flask.request.get_json(silent=True) or {}
        user = users.get(body.get("email"))
        if user is None:
            return {"error": "Invalid credentials"}, 401
        if user["failures"] >= LOCK_AFTER:
            return {"error": "Account locked"}, 423
        if body.get("password") != user["password"]:
            user["failures"] += 1
            return {"error": "Invalid credentials"}, 401
        user["failures"] = 0
        return {"token": f"t-{body['email']}"}

    return app


def test_the_guesses_land_on_an_account_of_the_scans_own(tmp_path: Path) -> None:
    """Neither alice nor bob is locked out: the scan's own account took the burst."""
    users = {
        "alice@example.org": {"password": "alice-pass-1", "failures": 0},
        "bob@example.org": {"password": "bob-pass-22", "failures": 0},
    }
    with serving(app_of(users), wsgi=True) as url:
        result, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "login")
    assert result.returncode in {0, 1}, result.stdout[-3000:] + result.stderr[-3000:]
    assert users["alice@example.org"]["failures"] == users["bob@example.org"]["failures"] == 0
    made = [e for e in users if not e.endswith("@example.org")]
    assert made, "no account was signed up"
    assert any(users[e]["failures"] >= LOCK_AFTER for e in made)
    assert not [f for f in report["findings"] if "brute-force" in f["title"]]
