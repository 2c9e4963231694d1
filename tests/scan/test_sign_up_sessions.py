"""A sign-up that logs its new user in never takes over the identity that sent it.

A club API in Flask with server-side cookie sessions, as many apps are written: the
sign-up answers 201 and sets the new member's session cookie, so that the browser that
signed up is logged in. The scan sends that sign-up as its identities too (a creation, per
identity); the cookie it gets back is the new account's, not the caller's. Taken into the
caller's jar it would turn alice, bob and the admin into fresh plain accounts (the Litestar
trial): objects then made by one account and deleted by another, and the admin unable to
delete the scan's accounts. Here every identity stays itself: the accounts the scan made
are deleted by the admin, no file identity's record changed, and the scan exits 0.
"""

from __future__ import annotations

import itertools
import secrets
from pathlib import Path
from typing import Any

from flask import Flask, abort, jsonify, make_response, request
from flask.typing import ResponseReturnValue
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - name: admin
    role: staff
    login: {operation: POST /auth/login, json: {email: admin@club.test, password: admin-pw-1}}
  - name: alice
    role: member
    login: {operation: POST /auth/login, json: {email: alice@club.test, password: alice-pw-2}}
  - name: bob
    role: member
    login: {operation: POST /auth/login, json: {email: bob@club.test, password: bob-pw-33}}
"""
SEED = {
    1: {"id": 1, "email": "admin@club.test", "name": "Admin", "is_staff": True},
    2: {"id": 2, "email": "alice@club.test", "name": "Alice", "is_staff": False},
    3: {"id": 3, "email": "bob@club.test", "name": "Bob", "is_staff": False},
}
PASSWORDS = {1: "admin-pw-1", 2: "alice-pw-2", 3: "bob-pw-33"}


def _object(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required or []}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


USER = _object(
    {
        "id": {"type": "integer"},
        "email": {"type": "string", "format": "email"},
        "name": {"type": "string"},
        "is_staff": {"type": "boolean", "readOnly": True},
    }
)
NOTE = _object({"id": {"type": "integer", "readOnly": True}, "text": {"type": "string"}}, ["text"])
ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
CREDENTIALS = _object(
    {"email": {"type": "string", "format": "email"}, "password": {"type": "string"}},
    ["email", "password"],
)
SIGN_UP = _object(
    {
        "email": {"type": "string", "format": "email"},
        "password": {"type": "string", "minLength": 8},
        "name": {"type": "string"},
    },
    ["email", "password", "name"],
)
CONTRACT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "club", "version": "1"},
    "security": [{"session": []}],
    "components": {
        "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "session"}}
    },
    "paths": {
        "/auth/login": {
            "post": {
                "security": [],
                "requestBody": {"required": True, **_json(CREDENTIALS)},
                "responses": {
                    "200": {"description": "in", **_json(USER)},
                    "401": {"description": "no"},
                },
            }
        },
        "/auth/register": {
            "post": {
                "summary": "Sign up (you are logged in as the new member)",
                "security": [],
                "requestBody": {"required": True, **_json(SIGN_UP)},
                "responses": {
                    "201": {"description": "made", **_json(USER)},
                    "409": {"description": "taken"},
                },
            }
        },
        "/me": {"get": {"responses": {"200": {"description": "you", **_json(USER)}}}},
        "/notes": {
            "get": {
                "responses": {
                    "200": {"description": "yours", **_json({"type": "array", "items": NOTE})}
                }
            },
            "post": {
                "requestBody": {"required": True, **_json(NOTE)},
                "responses": {"201": {"description": "made", **_json(NOTE)}},
            },
        },
        "/notes/{id}": {
            "parameters": ID,
            "get": {
                "responses": {
                    "200": {"description": "one", **_json(NOTE)},
                    "404": {"description": "no"},
                }
            },
            "delete": {"responses": {"204": {"description": "gone"}, "404": {"description": "no"}}},
        },
        "/admin/users/{id}": {
            "parameters": ID,
            "delete": {
                "summary": "Remove a member (staff only)",
                "responses": {"204": {"description": "gone"}, "403": {"description": "staff only"}},
            },
        },
    },
}


class Club:
    """Users, server-side sessions and notes; the sign-up logs its new member in."""

    def __init__(self) -> None:
        self.users = {k: dict(v) for k, v in SEED.items()}
        self.passwords = dict(PASSWORDS)
        self.sessions: dict[str, int] = {}
        self.notes: dict[int, dict[str, Any]] = {}
        self._ids = itertools.count(10)

    def app(self) -> Flask:
        """The Flask app."""
        app = Flask(__name__)

        def caller() -> dict[str, Any]:
            user = self.users.get(self.sessions.get(request.cookies.get("session", ""), 0))
            if user is None:
                abort(401)
            return user

        def logged_in(user: dict[str, Any], status: int) -> ResponseReturnValue:
            sid = secrets.token_urlsafe(16)
            self.sessions[sid] = user["id"]
            answer = make_response(jsonify(user), status)
            answer.set_cookie("session", sid, httponly=True)
            return answer

        @app.get("/openapi.json")
        def contract() -> ResponseReturnValue:
            return jsonify(CONTRACT)

        @app.post("/auth/login")
        def login() -> ResponseReturnValue:
            body = request.get_json(silent=True) or {}
            user = next((u for u in self.users.values() if u["email"] == body.get("email")), None)
            if user is None or self.passwords.get(user["id"]) != body.get("password"):
                abort(401)
            return logged_in(user, 200)

        @app.post("/auth/register")
        def register() -> ResponseReturnValue:
            body = request.get_json(silent=True) or {}
            if not all(
                isinstance(body.get(k), str) and body[k] for k in ("email", "password", "name")
            ):
                abort(400)
            if any(u["email"] == body["email"] for u in self.users.values()):
                abort(409)
            key = next(self._ids)
            self.users[key] = {
                "id": key,
                "email": body["email"],
                "name": body["name"],
                "is_staff": False,
            }
            self.passwords[key] = body["password"]
            return logged_in(self.users[key], 201)

        @app.get("/me")
        def me() -> ResponseReturnValue:
            return jsonify(caller())

        @app.get("/notes")
        def notes() -> ResponseReturnValue:
            who = caller()["id"]
            return jsonify([n for n in self.notes.values() if n["owner"] == who])

        @app.post("/notes")
        def add_note() -> ResponseReturnValue:
            who = caller()["id"]
            text = (request.get_json(silent=True) or {}).get("text")
            if not isinstance(text, str):
                abort(400)
            key = next(self._ids)
            self.notes[key] = {"id": key, "owner": who, "text": text}
            return jsonify(self.notes[key]), 201

        @app.route("/notes/<int:key>", methods=["GET", "DELETE"])
        def note(key: int) -> ResponseReturnValue:
            who = caller()["id"]
            found = self.notes.get(key)
            if found is None or found["owner"] != who:
                abort(404)
            if request.method == "DELETE":
                del self.notes[key]
                return "", 204
            return jsonify(found)

        @app.delete("/admin/users/<int:key>")
        def remove_user(key: int) -> ResponseReturnValue:
            if not caller()["is_staff"]:
                abort(403)
            if key not in self.users or key in SEED:
                abort(404)
            del self.users[key]
            return "", 204

        return app


def test_identities_stay_themselves_and_their_accounts_go(tmp_path: Path) -> None:
    """The admin deletes every account the scan signed up; nobody's record moved; exit 0."""
    club = Club()
    with serving(club.app(), wsgi=True) as url:
        result, report = scan_with_identities(url, IDENTITIES, tmp_path)
    assert result.returncode in {0, 1}, result.stdout[-3000:] + result.stderr[-3000:]
    state = report["tables"]["target_state"]
    assert club.users == SEED, state
    assert club.notes == {}, state
    accounts = [r for r in state if r["what"] == "account signed up"]
    assert accounts, state
    assert all(r["state"] == "deleted" for r in accounts), accounts
    assert not [r for r in state if r["state"] == "not restored"], state
