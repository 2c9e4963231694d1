"""The login check's throwaway sign-up leaves out an optional field that got it refused.

The Koa trial's ``POST /auth/signup`` takes an optional ``inviteToken`` (a resident joining
its agency) and refuses one it does not know: ``400 INVALID_INVITE``. The synthesised
sign-up filled it, so no account of the scan's own was made, and the brute-force burst,
never sent to a real user, was not sent at all: the API's missing lockout went unreported.
The sign-up is sent again without the optional fields, as a creation is
(``scan.required_only``), never without its user name and password. A Flask API, as the
other login tests; no lockout at all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import flask
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - name: rita
    role: resident
    login:
      operation: POST /auth/login
      json: {email: rita@mail.example, password: Rita-resident-1}
      token: accessToken
"""
_JSON = "application/json"
SIGN_UP = {
    "type": "object",
    "required": ["email", "password", "name"],
    "properties": {
        "email": {"type": "string", "format": "email"},
        "password": {"type": "string", "format": "password", "minLength": 8},
        "name": {"type": "string"},
        "inviteToken": {"type": "string"},
    },
}
LOGIN = {
    "type": "object",
    "required": ["email", "password"],
    "properties": {"email": {"type": "string", "format": "email"}, "password": {"type": "string"}},
}
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "Keyring", "version": "1.4.2"},
    "paths": {
        "/auth/signup": {"post": {
            "summary": "Create a resident account", "security": [],
            "requestBody": {"required": True, "content": {_JSON: {"schema": SIGN_UP}}},
            "responses": {"201": {"description": "Account created"},
                          "400": {"description": "Validation error"}}}},
        "/auth/login": {"post": {
            "summary": "Log in", "security": [],
            "requestBody": {"required": True, "content": {_JSON: {"schema": LOGIN}}},
            "responses": {"200": {"description": "Tokens"},
                          "401": {"description": "Wrong email or password"}}}},
    },
}  # fmt: skip


def app_of(users: dict[str, dict[str, Any]]) -> flask.Flask:
    """Accounts by e-mail; an unknown invite refused; wrong passwords counted, never locked."""
    app = flask.Flask("keyring")

    @app.get("/openapi.json")
    def contract() -> Any:
        return CONTRACT

    @app.post("/auth/signup")
    def signup() -> Any:
        body = flask.request.get_json(silent=True) or {}
        if "inviteToken" in body and body["inviteToken"] != "inv_7d1f0c2a9b3e":
            message = "Invite is invalid or has expired"
            return {"error": {"code": "INVALID_INVITE", "message": message}}, 400
        if body.get("email") in users or len(str(body.get("password", ""))) < 8:
            return {"error": {"code": "INVALID", "message": "Cannot sign up"}}, 400
        users[body["email"]] = {"password": body["password"], "failures": 0}
        return {"id": len(users), "email": body["email"], "role": "resident"}, 201

    @app.post("/auth/login")
    def login() -> Any:
        body = flask.request.get_json(silent=True) or {}
        user = users.get(body.get("email"))
        if user is None or body.get("password") != user["password"]:
            if user is not None:
                user["failures"] += 1
            message = "Email or password is incorrect"
            return {"error": {"code": "INVALID_CREDENTIALS", "message": message}}, 401
        return {"accessToken": f"t-{body['email']}", "tokenType": "Bearer"}

    return app


def test_the_burst_goes_to_an_account_signed_up_without_the_invite(tmp_path: Path) -> None:
    """The missing lockout is found on the scan's own account; rita gets no wrong password."""
    users = {"rita@mail.example": {"password": "Rita-resident-1", "failures": 0}}
    with serving(app_of(users), wsgi=True) as url:
        result, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "login")
    assert result.returncode in {0, 1}, result.stdout[-3000:] + result.stderr[-3000:]
    assert users["rita@mail.example"]["failures"] == 0
    found = [f["title"] for f in report["findings"] if "brute-force" in f["title"]]
    assert found == ["POST /auth/login has no brute-force protection"]
