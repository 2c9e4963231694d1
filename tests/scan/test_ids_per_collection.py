"""Ids are per collection: the scan's event 3 does not make user 3 the scan's to delete.

An events service in Flask, written the way its authors write: a ``{"ok": ..., "data":
...}`` envelope, creation answered 200, Flask's own HTML error pages, and a flaw: any
member may delete any user (``DELETE /admin/users/{user_id}``). Two events are seeded,
so the first event the scan makes is number 3, and bob is user 3. Members sign up
themselves, which gives the scan accounts of its own to try the deletion on.
"""

from __future__ import annotations

import itertools
import json
import secrets
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, abort, jsonify, request
from tests.conftest import scan_with_identities

from serving import serving

USER = {
    "type": "object",
    "properties": {"user_id": {"type": "integer"}, "username": {"type": "string"}},
}
EVENT = {
    "type": "object",
    "properties": {
        "event_id": {"type": "integer"},
        "title": {"type": "string", "maxLength": 60},
        "seats": {"type": "integer", "minimum": 1, "maximum": 500},
    },
}
CREDENTIALS = {
    "type": "object",
    "required": ["username", "password"],
    "properties": {
        "username": {"type": "string", "maxLength": 40},
        "password": {"type": "string", "format": "password", "maxLength": 64},
    },
}


def _answer(schema: dict[str, Any]) -> dict[str, Any]:
    wrapped = {"type": "object", "properties": {"ok": {"type": "boolean"}, "data": schema}}
    return {"200": {"description": "ok", "content": {"application/json": {"schema": wrapped}}}}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _id(name: str) -> list[dict[str, Any]]:
    return [{"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}]


CONTRACT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "events", "version": "1.0"},
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/api/signup": {
            "post": {"security": [], "requestBody": _body(CREDENTIALS), "responses": _answer(USER)}
        },
        "/api/login": {
            "post": {
                "security": [],
                "requestBody": _body(CREDENTIALS),
                "responses": _answer({"type": "object"}),
            }
        },
        "/api/events": {
            "get": {"responses": _answer({"type": "array", "items": EVENT})},
            "post": {"requestBody": _body(EVENT), "responses": _answer(EVENT)},
        },
        "/api/events/{event_id}": {
            "parameters": _id("event_id"),
            "get": {"responses": _answer(EVENT)},
            "delete": {"responses": _answer({"type": "object"})},
        },
        "/api/users/{user_id}": {
            "parameters": _id("user_id"),
            "get": {"responses": _answer(USER)},
        },
        "/api/me/settings": {
            "put": {
                "requestBody": _body(
                    {"type": "object", "properties": {"theme": {"type": "string"}}}
                ),
                "responses": {"204": {"description": "saved"}},
            }
        },
        "/admin/users/{user_id}": {
            "parameters": _id("user_id"),
            "delete": {
                "summary": "Remove a user (administrators)",
                "responses": _answer({"type": "object"}),
            },
        },
    },
}


class Events:
    """The service's state, and every DELETE of a user it was sent."""

    def __init__(self, *, role_check: bool = False) -> None:
        self.role_check = role_check
        self.users: dict[int, dict[str, Any]] = {
            1: {"user_id": 1, "username": "ada", "password": "ada-pw-11", "role": "admin"},
            2: {"user_id": 2, "username": "alice", "password": "alice-pw-22", "role": "member"},
            3: {"user_id": 3, "username": "bob", "password": "bob-pw-33", "role": "member"},
        }
        self.events: dict[int, dict[str, Any]] = {
            1: {"event_id": 1, "title": "Opening", "seats": 100, "owner": 1},
            2: {"event_id": 2, "title": "Closing", "seats": 80, "owner": 1},
        }
        self.seeded = {k: dict(v) for k, v in self.users.items()}
        self.user_deletes: list[tuple[int, int]] = []
        self.themes: dict[int, Any] = {}
        self.tokens: dict[str, int] = {}
        self.next_user = itertools.count(4)
        self.next_event = itertools.count(3)
        self.lock = threading.Lock()

    def event_serial(self) -> int:
        """The number the next event would take (how many were ever made, plus one)."""
        return next(self.next_event)

    def caller(self) -> dict[str, Any]:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        user = self.users.get(self.tokens.get(token, 0))
        if user is None:
            abort(401)
        return user

    def app(self) -> Flask:
        app = Flask("events")

        @app.get("/openapi.json")
        def contract() -> Any:
            return jsonify(CONTRACT)

        @app.post("/api/signup")
        def signup() -> Any:
            body = request.get_json(silent=True) or {}
            name, password = body.get("username"), body.get("password")
            if not (isinstance(name, str) and name and isinstance(password, str) and password):
                abort(400)
            with self.lock:
                if any(u["username"] == name for u in self.users.values()):
                    return jsonify(ok=False, error="username taken"), 409
                number = next(self.next_user)
                self.users[number] = {
                    "user_id": number,
                    "username": name,
                    "password": password,
                    "role": "member",
                }
            return jsonify(ok=True, data={"user_id": number, "username": name})

        @app.post("/api/login")
        def login() -> Any:
            body = request.get_json(silent=True) or {}
            user = next(
                (u for u in self.users.values() if u["username"] == body.get("username")), None
            )
            if user is None or user["password"] != body.get("password"):
                abort(401)
            token = secrets.token_hex(8)
            self.tokens[token] = user["user_id"]
            return jsonify(ok=True, data={"token": token, "user_id": user["user_id"]})

        @app.get("/api/events")
        def events() -> Any:
            self.caller()
            return jsonify(ok=True, data=[_shown(e) for e in self.events.values()])

        @app.post("/api/events")
        def create() -> Any:
            me = self.caller()
            body = request.get_json(silent=True) or {}
            title, seats = body.get("title"), body.get("seats")
            if not isinstance(title, str) or not isinstance(seats, int) or not 0 < seats <= 500:
                abort(400)
            with self.lock:
                number = next(self.next_event)
                self.events[number] = {
                    "event_id": number,
                    "title": title,
                    "seats": seats,
                    "owner": me["user_id"],
                }
            return jsonify(ok=True, data=_shown(self.events[number]))

        @app.get("/api/events/<int:number>")
        def event(number: int) -> Any:
            self.caller()
            return jsonify(ok=True, data=_shown(self.events.get(number) or abort(404)))

        @app.delete("/api/events/<int:number>")
        def drop(number: int) -> Any:
            me = self.caller()
            found = self.events.get(number) or abort(404)
            if found["owner"] != me["user_id"] and me["role"] != "admin":
                abort(403)
            del self.events[number]
            return jsonify(ok=True, data={})

        @app.get("/api/users/<int:number>")
        def user(number: int) -> Any:
            me = self.caller()
            if me["user_id"] != number and me["role"] != "admin":
                abort(403)
            found = self.users.get(number) or abort(404)
            return jsonify(ok=True, data={"user_id": number, "username": found["username"]})

        @app.put("/api/me/settings")
        def settings() -> Any:
            # Write-only: nothing reads it back, so the scan writes it as a user of its own.
            self.themes[self.caller()["user_id"]] = (request.get_json(silent=True) or {}).get(
                "theme"
            )
            return "", 204

        @app.delete("/admin/users/<int:number>")
        def remove(number: int) -> Any:
            me = self.caller()  # the flaw: no role check, unless the twin's
            if self.role_check and me["role"] != "admin":
                abort(403)
            self.user_deletes.append((me["user_id"], number))
            self.users.pop(number, None) or abort(404)
            return jsonify(ok=True, data={})

        return app


def _shown(event: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in event.items() if k != "owner"}


IDENTITIES = """\
identities:
  - name: ada
    role: admin
    login: {operation: POST /api/login, json: {username: ada, password: ada-pw-11}, token: data.token}
  - name: alice
    role: member
    login: {operation: POST /api/login, json: {username: alice, password: alice-pw-22}, token: data.token}
  - name: bob
    role: member
    login: {operation: POST /api/login, json: {username: bob, password: bob-pw-33}, token: data.token}
"""


@pytest.fixture(scope="module", params=["flawed", "twin"])
def scanned(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Events, Any, Any]]:
    """One default scan of the events service (and of its twin that checks roles), and after."""
    service = Events(role_check=request.param == "twin")
    folder = tmp_path_factory.mktemp("events")
    with serving(service.app(), wsgi=True) as url:
        result, report = scan_with_identities(url, IDENTITIES, folder, "--allow-private")
        yield service, result, report


def test_no_user_the_scan_did_not_make_is_deleted(scanned: tuple[Events, Any, Any]) -> None:
    """Every seeded user is still there, and no DELETE ever named one."""
    service, result, _ = scanned
    assert result.returncode in {0, 1}, result.stdout[-3000:]
    assert set(service.themes) - set(service.seeded), "no user of the scan's own wrote settings"
    assert any(k > 2 for k in service.events) or service.event_serial() > 3, "it made no event"
    assert {k: service.users.get(k) for k in service.seeded} == service.seeded
    assert [d for d in service.user_deletes if d[1] in service.seeded] == []


def test_accounts_the_scan_made_are_deleted_or_listed_as_left(
    scanned: tuple[Events, Any, Any],
) -> None:
    """The scan's own sign-ups go again through the users' DELETE; any it could not is listed."""
    service, _, report = scanned
    rows = [r for r in report["tables"]["target_state"] if r["what"] == "account signed up"]
    left = {r["object"] for r in rows if r["state"] == "left"}
    made = [u["username"] for k, u in service.users.items() if k not in service.seeded]
    assert set(made) <= left
    why = {r["detail"] for r in rows if r["state"] == "left"}
    assert all("not made by the scan" in w or "id was not" in w for w in why), why
    assert len(rows) > len(made), "no account the scan made was deleted"


def test_the_password_of_the_scans_accounts_is_its_own_and_not_in_the_report(
    scanned: tuple[Events, Any, Any],
) -> None:
    """An account left behind opens with this run's password, which the report never shows."""
    service, _, report = scanned
    passwords = {u["password"] for k, u in service.users.items() if k not in service.seeded}
    assert not passwords & {"apiwardpassword", "Apiward-Scan-Passw0rd!"}
    # A probe's payload may stand in the password too; the run's own is the rest.
    own = {p for p in passwords if p.isprintable() and not set(p) & set("{}$<>'\";|`")}
    assert own, "the scan left no account of its own to look at"
    assert not [p for p in own if p in json.dumps(report)]


def test_a_member_deleting_users_is_found_on_accounts_the_scan_made(
    scanned: tuple[Events, Any, Any],
) -> None:
    """bfla: ada's DELETE takes a scan-made account away, and so does a member's; not on the twin."""
    service, _, report = scanned
    found = [
        f
        for f in report["findings"]
        if f["check"] == "bfla" and f["operation"] == "DELETE /admin/users/{user_id}"
    ]
    if service.role_check:
        assert found == []
        return
    [finding] = found
    assert finding["severity"] == "high"
    deleters = {by for by, gone in service.user_deletes}
    assert deleters - {1}, "only the admin deleted"
    assert all(gone > 3 for _, gone in service.user_deletes)
