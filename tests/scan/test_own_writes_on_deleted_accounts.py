"""What the scan wrote on an account it signed up and then deleted is gone with the account.

The Rails trial's probes changed the password of the scan's own throwaway account seven
times (nothing reads a password back), and the restore then deleted that account. The
report still listed the writes as *left* and its note said "not as found", though
nothing of them remained. A Flask account service: candidates sign up, an admin deletes
accounts, and ``PUT /me/password`` is the only write.
"""

from __future__ import annotations

import itertools
import re
import secrets
from pathlib import Path
from typing import Any

from flask import Flask, request
from flask.typing import ResponseReturnValue
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - name: ada
    role: admin
    rank: 10
    login: {operation: POST /sessions, json: {email: ada@hire.test, password: Ada-pass-1}, token: token}
  - name: carl
    role: candidate
    login: {operation: POST /sessions, json: {email: carl@mail.test, password: Carl-pass-1}, token: token}
"""
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
NAME = re.compile(r"[\w .-]{1,60}")


def _body(**properties: str) -> dict[str, Any]:
    schema = {
        "type": "object",
        "required": list(properties),
        "properties": {name: {"type": kind} for name, kind in properties.items()},
    }
    return {"required": True, "content": {"application/json": {"schema": schema}}}


SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "accounts", "version": "1"},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "paths": {
        "/users": {
            "post": {
                "summary": "Candidate sign-up",
                "security": [],
                "requestBody": _body(email="string", password="string", name="string"),
                "responses": {"201": {"description": "Created"}},
            }
        },
        "/sessions": {
            "post": {
                "summary": "Log in",
                "security": [],
                "requestBody": _body(email="string", password="string"),
                "responses": {"201": {"description": "a token"}},
            }
        },
        "/me": {"get": {"summary": "Current user", "responses": {"200": {"description": "OK"}}}},
        "/me/password": {
            "put": {
                "summary": "Change own password",
                "requestBody": _body(current_password="string", new_password="string"),
                "responses": {"204": {"description": "changed"}},
            }
        },
        "/admin/users/{id}": {
            "delete": {
                "summary": "Delete a user",
                "description": "Admin only.",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
                ],
                "responses": {"204": {"description": "deleted"}},
            }
        },
    },
}


class Accounts:
    """Users by id, their passwords, and bearer tokens handed out at login."""

    def __init__(self) -> None:
        self.users: dict[int, dict[str, Any]] = {
            1: {"id": 1, "email": "ada@hire.test", "name": "Ada", "role": "admin"},
            2: {"id": 2, "email": "carl@mail.test", "name": "Carl", "role": "candidate"},
        }
        self.passwords = {1: "Ada-pass-1", 2: "Carl-pass-1"}
        self.tokens: dict[str, int] = {}
        self._ids = itertools.count(3)
        self.app = Flask("accounts")
        self.app.add_url_rule("/openapi.json", "spec", lambda: SPEC)
        self.app.add_url_rule("/users", "sign_up", self.sign_up, methods=["POST"])
        self.app.add_url_rule("/sessions", "login", self.login, methods=["POST"])
        self.app.add_url_rule("/me", "me", self.me)
        self.app.add_url_rule("/me/password", "password", self.password, methods=["PUT"])
        self.app.add_url_rule("/admin/users/<int:id>", "delete", self.delete, methods=["DELETE"])

    def _caller(self) -> dict[str, Any] | None:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        return self.users.get(self.tokens.get(token, 0))

    def sign_up(self) -> ResponseReturnValue:
        body = request.get_json(silent=True) or {}
        if not all(isinstance(body.get(k), str) for k in ("email", "password", "name")):
            return {"errors": {"email": ["can't be blank"]}}, 422
        if not EMAIL.fullmatch(body["email"]) or not NAME.fullmatch(body["name"]):
            return {"errors": {"email": ["is invalid"]}}, 422
        if any(u["email"] == body["email"] for u in self.users.values()):
            return {"errors": {"email": ["has already been taken"]}}, 422
        new = {"id": next(self._ids), "email": body["email"], "name": body["name"]}
        self.users[new["id"]] = new | {"role": "candidate"}
        self.passwords[new["id"]] = body["password"]
        return {"user": self.users[new["id"]]}, 201

    def login(self) -> ResponseReturnValue:
        body = request.get_json(silent=True) or {}
        found = [u for u in self.users.values() if u["email"] == body.get("email")]
        if not found or self.passwords[found[0]["id"]] != body.get("password"):
            return {"error": "invalid email or password"}, 401
        token = secrets.token_hex(16)
        self.tokens[token] = found[0]["id"]
        return {"token": token}, 201

    def me(self) -> ResponseReturnValue:
        user = self._caller()
        return {"user": user} if user else ({"error": "unauthorized"}, 401)

    def password(self) -> ResponseReturnValue:
        user, body = self._caller(), request.get_json(silent=True) or {}
        if user is None:
            return {"error": "unauthorized"}, 401
        if body.get("current_password") != self.passwords[user["id"]]:
            return {"errors": {"current_password": ["is incorrect"]}}, 422
        if not isinstance(body.get("new_password"), str) or len(body["new_password"]) < 8:
            return {"errors": {"new_password": ["is too short"]}}, 422
        self.passwords[user["id"]] = body["new_password"]
        return "", 204

    def delete(self, id: int) -> ResponseReturnValue:
        user = self._caller()
        if user is None:
            return {"error": "unauthorized"}, 401
        if user["role"] != "admin":
            return {"error": "forbidden"}, 403
        if self.users.pop(id, None) is None:
            return {"error": "not found"}, 404
        del self.passwords[id]
        return "", 204


def test_writes_on_an_account_the_scan_deleted_are_gone_with_it(tmp_path: Path) -> None:
    """Every password change on the throwaway account is *deleted* with it, and the note
    does not say "not as found"; the seeded users are as they were."""
    accounts = Accounts()
    with serving(accounts.app, wsgi=True) as url:
        done, report = scan_with_identities(
            url, IDENTITIES, tmp_path, "--checks", "sql_injection,template_injection"
        )
    assert done.returncode in {0, 1}, done.stdout[-3000:] + done.stderr[-3000:]
    assert set(accounts.users) == {1, 2}
    assert accounts.passwords == {1: "Ada-pass-1", 2: "Carl-pass-1"}
    rows = [r for r in report["tables"]["target_state"] if r["object"] == "/me/password"]
    assert rows, report["tables"]["target_state"]
    assert {r["state"] for r in rows} == {"deleted"}, rows
    assert all("deleted with it" in r["detail"] for r in rows)
    assert not any("not as found" in note for note in report["notes"]), report["notes"]
