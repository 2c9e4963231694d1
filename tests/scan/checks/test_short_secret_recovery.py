"""short_secret: a 4-digit password-reset code guessed without a lockout, on the scan's own account.

The PHP trial's ``POST /auth/password-reset/confirm {username, code, new_password}`` took a
``code`` of ``pattern: ^[0-9]{4}$`` and never locked: its tester took an account over in 3.3 s.
The scan skipped it ("no short numeric code"): the reset was destructive by its path, and the
confirm, taking a password, was read as setting a code. Now the scan asks for a code for an
account it signed up itself, and guesses there; it never asks one for a user of the file.

The API is a Flask app the way a small team writes one: ``200 {"success": false}`` refusals,
tokens in ``X-Auth-Token``, a Swagger 2.0 contract. Its twin invalidates a code after five
wrong tries and answers 429.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, jsonify, request
from tests.conftest import scan_with_identities

from serving import serving

CONFIRM = "POST /auth/password-reset/confirm"
LOCK_AFTER = 5
IDENTITIES = """\
identities:
  - name: alice
    role: student
    login:
      operation: POST /auth/login
      json: {username: alice, password: "Alice#2024"}
      token: token
      header: X-Auth-Token
      prefix: ""
  - name: bob
    role: student
    login:
      operation: POST /auth/login
      json: {username: bob, password: "Bob#2024"}
      token: token
      header: X-Auth-Token
      prefix: ""
"""


def _body(properties: dict[str, Any], required: list[str]) -> list[dict[str, Any]]:
    schema = {"type": "object", "required": required, "properties": properties}
    return [{"in": "body", "name": "body", "required": True, "schema": schema}]


_TEXT = {"type": "string"}
_PUBLIC = {"security": [], "responses": {"200": {"description": "answered"}}}
SPEC: dict[str, Any] = {
    "swagger": "2.0",
    "info": {"title": "schoolbook", "version": "1"},
    "basePath": "/api",
    "securityDefinitions": {"token": {"type": "apiKey", "in": "header", "name": "X-Auth-Token"}},
    "security": [{"token": []}],
    "paths": {
        "/auth/register": {
            "post": {
                **_PUBLIC,
                "parameters": _body(
                    {"username": _TEXT, "email": _TEXT, "password": {"type": "string"}},
                    ["username", "email", "password"],
                ),
            }
        },
        "/auth/login": {
            "post": {
                **_PUBLIC,
                "parameters": _body({"username": _TEXT, "password": _TEXT}, ["username"]),
            }
        },
        "/auth/password-reset": {
            "post": {
                **_PUBLIC,
                "summary": "Request a password reset code by e-mail",
                "parameters": _body({"username": _TEXT}, ["username"]),
            }
        },
        "/auth/password-reset/confirm": {
            "post": {
                **_PUBLIC,
                "summary": "Set a new password with the e-mailed code",
                "parameters": _body(
                    {
                        "username": _TEXT,
                        "code": {"type": "string", "pattern": "^[0-9]{4}$", "example": "1234"},
                        "new_password": {"type": "string", "format": "password"},
                    },
                    ["username", "code", "new_password"],
                ),
            }
        },
        "/me": {
            "get": {"responses": {"200": {"description": "my profile"}}},
            "delete": {"responses": {"200": {"description": "account closed"}}},
        },
    },
}


class Schoolbook:
    """Accounts, tokens and reset codes; ``locks`` invalidates a code after wrong tries."""

    def __init__(self, *, locks: bool) -> None:
        self.locks = locks
        self.passwords = {"alice": "Alice#2024", "bob": "Bob#2024"}
        self.tokens: dict[str, str] = {}
        self.codes: dict[str, str] = {}
        self.wrong: dict[str, int] = {}
        self.asked: list[str] = []
        self.app = Flask("schoolbook")
        self.app.add_url_rule("/openapi.json", view_func=lambda: jsonify(SPEC))
        for rule, view, methods in (
            ("/api/auth/register", self.register, ["POST"]),
            ("/api/auth/login", self.login, ["POST"]),
            ("/api/auth/password-reset", self.reset, ["POST"]),
            ("/api/auth/password-reset/confirm", self.confirm, ["POST"]),
            ("/api/me", self.me, ["GET", "DELETE"]),
        ):
            self.app.add_url_rule(rule, view.__name__, view, methods=methods)

    def register(self) -> Any:
        data = request.get_json(silent=True) or {}
        name, password = str(data.get("username", "")), data.get("password")
        if not name or not isinstance(password, str) or len(password) < 8:
            return jsonify(success=False, error="Password must be at least 8 characters")
        if name in self.passwords:
            return jsonify(success=False, error="Username already taken")
        self.passwords[name] = password
        return jsonify(success=True, user_id=len(self.passwords), username=name), 201

    def login(self) -> Any:
        data = request.get_json(silent=True) or {}
        name = str(data.get("username", ""))
        if self.passwords.get(name) != data.get("password"):
            return jsonify(success=False, error="Invalid username or password")
        token = secrets.token_hex(8)
        self.tokens[token] = name
        return jsonify(success=True, token=token)

    def reset(self) -> Any:
        name = str((request.get_json(silent=True) or {}).get("username", ""))
        if name in self.passwords:
            self.asked.append(name)
            self.codes[name] = f"{secrets.randbelow(10_000):04d}"
            self.wrong[name] = 0
        return jsonify(success=True, message="If that account exists, a code was e-mailed.")

    def confirm(self) -> Any:
        data = request.get_json(silent=True) or {}
        name = str(data.get("username", ""))
        if self.locks and self.wrong.get(name, 0) >= LOCK_AFTER:
            self.codes.pop(name, None)
            return jsonify(success=False, error="Too many attempts, ask for a new code"), 429
        if name not in self.codes or self.codes[name] != data.get("code"):
            self.wrong[name] = self.wrong.get(name, 0) + 1
            return jsonify(success=False, error="Invalid or expired code")
        del self.codes[name]
        self.passwords[name] = str(data.get("new_password"))
        return jsonify(success=True, message="Password updated")

    def me(self) -> Any:
        name = self.tokens.get(request.headers.get("X-Auth-Token", ""))
        if name is None:
            return jsonify(error="Not logged in"), 401
        if request.method == "DELETE":
            del self.passwords[name]
            return jsonify(deleted=True)
        return jsonify(username=name)


@pytest.mark.parametrize("locks", [False, True], ids=["unlimited", "locks"])
def test_a_reset_code_is_guessed_on_the_scans_own_account_only(locks: bool, tmp_path: Path) -> None:
    """Unlimited tries: found on the confirm. Locked after five: nothing. Never a real user."""
    book = Schoolbook(locks=locks)
    with serving(book.app, wsgi=True) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "short_secret")
    assert done.returncode in {0, 1}, done.stdout[-3000:]
    assert book.asked, "no reset code was asked for: the test proves nothing"
    assert not {"alice", "bob"} & set(book.asked), book.asked
    assert book.passwords["alice"] == "Alice#2024"
    assert book.passwords["bob"] == "Bob#2024"
    found = [f for f in report["findings"] if f["operation"] == CONFIRM]
    if locks:
        assert not found, found
    else:
        # The mailed code is unknown: a code that expires silently after a few tries would
        # answer alike, so a 4-digit one is medium and tentative (the NestJS trial's expired).
        assert [(f["severity"], f["confidence"]) for f in found] == [("medium", "tentative")]
