"""A DELETE refused to every identity by role is not asked of every identity again, object after object.

The zoo's Flask library (VAmPI's shape) deletes users at ``DELETE /users/v1/{username}``,
for admins only, and none of the identities is one. Every account the scan signed up was
asked of the creator, then of each other identity, then of the account itself logged in:
170 DELETEs and 86 logins, a third of the scan, all refused. Once the creator, every other
identity and the account itself are refused by role (401 or 403), the next account of that
DELETE is asked once, by its creator, and listed as left with the same reason.
"""

from __future__ import annotations

import secrets
from collections import Counter
from pathlib import Path
from typing import Any

from flask import Flask, jsonify, request
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - name: name1
    role: user
    login: {operation: POST /users/v1/login, json: {username: name1, password: pass1}, token: auth_token}
  - name: name2
    role: user
    login: {operation: POST /users/v1/login, json: {username: name2, password: pass2}, token: auth_token}
  - name: name3
    role: user
    login: {operation: POST /users/v1/login, json: {username: name3, password: pass3}, token: auth_token}
"""
_USER = {
    "type": "object",
    "required": ["username", "email", "password"],
    "properties": {
        "username": {"type": "string"},
        "email": {"type": "string", "format": "email"},
        "password": {"type": "string", "format": "password"},
        "admin": {"type": "boolean"},
    },
}
_NAME = [{"name": "username", "in": "path", "required": True, "schema": {"type": "string"}}]
_JSON = {"content": {"application/json": {"schema": _USER}}}
SPEC: dict[str, Any] = {
    "openapi": "3.0.1",
    "info": {"title": "library", "version": "1"},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/users/v1/register": {
            "post": {"requestBody": _JSON, "responses": {"200": {"description": "registered"}}}
        },
        "/users/v1/login": {
            "post": {"requestBody": _JSON, "responses": {"200": {"description": "a token"}}}
        },
        "/users/v1/{username}": {
            "parameters": _NAME,
            "get": {"responses": {"200": {"description": "the user"}}},
            "delete": {
                "security": [{"bearer": []}],
                "responses": {"200": {"description": "deleted"}, "401": {"description": "no"}},
            },
        },
    },
}


class Library:
    """Users by name; only an admin deletes one, and nobody the scan knows is."""

    def __init__(self) -> None:
        self.users = {f"name{n}": {"password": f"pass{n}", "admin": False} for n in (1, 2, 3)}
        self.tokens: dict[str, str] = {}
        self.deletes: Counter[str] = Counter()
        self.app = Flask("library")
        self.app.add_url_rule("/openapi.json", view_func=lambda: jsonify(SPEC))
        self.app.add_url_rule("/users/v1/register", "register", self.register, methods=["POST"])
        self.app.add_url_rule("/users/v1/login", "login", self.login, methods=["POST"])
        self.app.add_url_rule("/users/v1/<username>", "user", self.user, methods=["GET", "DELETE"])

    def register(self) -> Any:
        body = request.get_json(silent=True) or {}
        name = body.get("username")
        if not isinstance(name, str) or not name or name in self.users:
            return jsonify(status="fail", message="User already exists"), 400
        self.users[name] = {"password": str(body.get("password")), "admin": False}
        return jsonify(status="success", message="Successfully registered")

    def login(self) -> Any:
        body = request.get_json(silent=True) or {}
        user = self.users.get(str(body.get("username")))
        if user is None or user["password"] != body.get("password"):
            return jsonify(status="fail", message="Password is not correct"), 401
        token = secrets.token_hex(8)
        self.tokens[token] = str(body["username"])
        return jsonify(auth_token=token, status="success")

    def user(self, username: str) -> Any:
        if username not in self.users:
            return jsonify(status="fail", message="User not found"), 404
        if request.method == "GET":
            return jsonify(username=username, admin=self.users[username]["admin"])
        self.deletes[username] += 1
        who = self.tokens.get(request.headers.get("Authorization", "").removeprefix("Bearer "))
        if who is None or not self.users.get(who, {}).get("admin"):
            return jsonify(status="fail", message="Only Admins may delete users!"), 401
        del self.users[username]
        return jsonify(status="success", message="User deleted.")


def test_accounts_nobody_may_delete_are_asked_once_each_after_the_first(tmp_path: Path) -> None:
    """Each account the scan made is left, listed; the restore's DELETEs stay near one each."""
    library = Library()
    with serving(library.app, wsgi=True) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path)
    assert done.returncode in {0, 1, 3}, done.stdout[-3000:]
    made = set(library.users) - {"name1", "name2", "name3"}
    left = [r for r in report["tables"]["target_state"] if r["state"] == "left"]
    assert len(made) > 2, "the scan made too few accounts: the test proves nothing"
    assert len(left) >= len(made), left
    restore = [r for r in report["tables"]["requests"] if r["by"] == "restore"]
    asked = sum(r["method"] == "DELETE" for r in restore)
    # The first account: its creator, every other identity, itself; a later one, its creator
    # (and one the DELETE misses, 404, everyone): under 3 each, where asking all was 7.
    assert asked < 3 * len(left), (asked, len(left))
