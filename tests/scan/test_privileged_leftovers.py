"""An account a probe signed up with a privilege is taken back down, or the target is damaged.

A guild's member board in Flask (hand-kept contract, Flask's HTML error pages for what it
does not handle itself): anyone signs up at ``POST /signup`` and the view copies the whole
body onto the new member, ``role`` included (the flaw: a sign-up with ``role: admin`` makes
an admin). Members read and rename themselves at ``/me``; nothing deletes a member. The
Express trial's default scan left such an admin behind, listed as a plain "account signed
up, left". ``Guild(demotable=True)`` also has the admins' ``PATCH
/admin/members/{member_id}``, which sets a member's role: the scan takes the privilege back
with it (the account stays, an ordinary member). Without it nothing can: the target-state
row names what the account holds and the scan exits 3.
"""

from __future__ import annotations

import itertools
import json
import secrets
import threading
from typing import Any

import flask
import pytest
from tests.conftest import scan_with_identities

from serving import serving

SEEDED = {
    1: {"username": "gia", "email": "gia@guild.test", "role": "admin", "display_name": "Gia"},
    2: {"username": "hal", "email": "hal@guild.test", "role": "member", "display_name": "Hal"},
    3: {"username": "ivy", "email": "ivy@guild.test", "role": "member", "display_name": "Ivy"},
}
PASSWORDS = {"gia": "quill-and-ink-58", "hal": "anvil-sparks-31", "ivy": "loom-thread-64"}
IDENTITIES = "identities:\n" + "".join(
    f"  - name: {name}\n    role: {SEEDED[n]['role']}\n"
    + ("    rank: 10\n" if SEEDED[n]["role"] == "admin" else "")
    + f"    login: {{operation: POST /login, json: {{username: {name}, password: {pw}}}}}\n"
    for n, (name, pw) in enumerate(PASSWORDS.items(), start=1)
)

_TEXT = {"type": "string", "minLength": 1, "maxLength": 60}
_MEMBER = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "username": _TEXT,
        "email": {"type": "string", "format": "email"},
        "display_name": _TEXT,
        "role": {"type": "string", "enum": ["member", "steward", "admin"]},
    },
}


def _json(schema: dict[str, Any], *required: str) -> dict[str, Any]:
    return {
        "required": True,
        "content": {"application/json": {"schema": {**schema, "required": list(required)}}},
    }


def _answer(schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": "ok", "content": {"application/json": {"schema": schema}}}


def spec(*, demotable: bool) -> dict[str, Any]:
    """The guild's contract; ``demotable`` adds the admins' role write."""
    paths: dict[str, Any] = {
        "/signup": {
            "post": {
                "security": [],
                "requestBody": _json(
                    {
                        "type": "object",
                        "properties": {
                            "username": _TEXT,
                            "email": {"type": "string", "format": "email"},
                            "password": {"type": "string", "format": "password"},
                            "display_name": _TEXT,
                        },
                    },
                    "username",
                    "email",
                    "password",
                ),
                "responses": {"201": _answer(_MEMBER), "409": {"description": "taken"}},
            }
        },
        "/login": {
            "post": {
                "security": [],
                "requestBody": _json(
                    {"type": "object", "properties": {"username": _TEXT, "password": _TEXT}},
                    "username",
                    "password",
                ),
                "responses": {"200": _answer({"type": "object"}), "401": {"description": "no"}},
            }
        },
        "/me": {
            "get": {"responses": {"200": _answer(_MEMBER)}},
            "patch": {
                "requestBody": _json(
                    {"type": "object", "properties": {"display_name": _TEXT}}, "display_name"
                ),
                "responses": {"200": _answer(_MEMBER)},
            },
        },
    }
    if demotable:
        paths["/admin/members/{member_id}"] = {
            "patch": {
                "summary": "Set a member's role (admins only)",
                "parameters": [
                    {
                        "name": "member_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer"},
                    }
                ],
                "requestBody": _json(
                    {"type": "object", "properties": {"role": _MEMBER["properties"]["role"]}},
                    "role",
                ),
                "responses": {"200": _answer(_MEMBER), "403": {"description": "admins only"}},
            }
        }
    return {
        "openapi": "3.0.3",
        "info": {"title": "Guild board", "version": "1.4"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": paths,
    }


class Guild:
    """One guild with its own members, as a Flask app."""

    def __init__(self, *, demotable: bool) -> None:
        self.members: dict[int, dict[str, Any]] = {n: dict(m) for n, m in SEEDED.items()}
        self.passwords = dict(PASSWORDS)
        self.serial = itertools.count(4)
        self.tokens: dict[str, int] = {}
        self.lock = threading.Lock()
        self.app = self._app(demotable)

    def made(self) -> dict[int, dict[str, Any]]:
        """The members nobody seeded."""
        return {n: m for n, m in self.members.items() if n not in SEEDED}

    def _caller(self) -> dict[str, Any]:
        token = flask.request.headers.get("Authorization", "").removeprefix("Bearer ")
        number = self.tokens.get(token)
        if number is None:
            flask.abort(401)
        return self.members[number]

    def _app(self, demotable: bool) -> flask.Flask:
        app = flask.Flask("guild")
        contract = spec(demotable=demotable)

        @app.get("/openapi.json")
        def openapi() -> Any:
            return contract

        @app.post("/signup")
        def signup() -> Any:
            body = flask.request.get_json(silent=True)
            if not isinstance(body, dict) or not all(
                isinstance(body.get(k), str) and body[k] for k in ("username", "email", "password")
            ):
                return {"error": "username, email and password are required"}, 400
            with self.lock:
                if any(m["username"] == body["username"] for m in self.members.values()):
                    return {"error": "username taken"}, 409
                number = next(self.serial)
                member = {"role": "member", "display_name": body["username"]}
                member |= {k: v for k, v in body.items() if k != "password"}  # the flaw
                self.members[number] = member
                self.passwords[body["username"]] = body["password"]
            return {"id": number, **member}, 201

        @app.post("/login")
        def login() -> Any:
            body = flask.request.get_json(silent=True) or {}
            name = body.get("username")
            if not isinstance(name, str) or self.passwords.get(name) != body.get("password"):
                return {"error": "wrong username or password"}, 401
            number = next(n for n, m in self.members.items() if m["username"] == name)
            token = secrets.token_hex(16)
            self.tokens[token] = number
            return {"access_token": token, "token_type": "bearer"}

        @app.get("/me")
        def me() -> Any:
            member = self._caller()
            number = next(n for n, m in self.members.items() if m is member)
            return {"id": number, **member}

        @app.patch("/me")
        def rename() -> Any:
            member = self._caller()
            name = (flask.request.get_json(silent=True) or {}).get("display_name")
            if not isinstance(name, str) or not name:
                return {"error": "display_name is required"}, 400
            member["display_name"] = name
            return me()

        @app.patch("/admin/members/<int:member_id>")
        def set_role(member_id: int) -> Any:
            if not demotable:
                flask.abort(404)
            if self._caller()["role"] != "admin":
                return {"error": "admins only"}, 403
            role = (flask.request.get_json(silent=True) or {}).get("role")
            if member_id not in self.members or role not in {"member", "steward", "admin"}:
                return {"error": "no such member or role"}, 400
            self.members[member_id]["role"] = role
            return {"id": member_id, **self.members[member_id]}

        return app


def _scan(tmp_path_factory: pytest.TempPathFactory, *, demotable: bool) -> tuple[Guild, Any, Any]:
    guild = Guild(demotable=demotable)
    folder = tmp_path_factory.mktemp("guild")
    with serving(guild.app, wsgi=True) as url:
        result, _ = scan_with_identities(url, IDENTITIES, folder)
    assert result.returncode != 2, result.stderr[-3000:]
    return guild, result, json.loads((folder / "report.json").read_text())  # exit 3 has one too


def _rows(report: dict[str, Any]) -> list[dict[str, str]]:
    return [r for r in report["tables"]["target_state"] if r["what"] == "account signed up"]


def _granted(report: dict[str, Any]) -> bool:
    """The scan found the role granted at sign-up (so it made an admin)."""
    return any(
        f["check"] == "mass_assignment"
        and f["operation"] == "POST /signup"
        and "role" in f["title"]
        for f in report["findings"]
    )


def test_an_admin_it_made_and_cannot_demote_is_damage(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """With no write of ``role``, the admin stays: its row says what it holds, and exit 3."""
    guild, result, report = _scan(tmp_path_factory, demotable=False)
    assert _granted(report), [f["title"] for f in report["findings"]]
    raised = {m["username"]: m["role"] for m in guild.made().values() if m["role"] != "member"}
    assert raised, guild.made()
    assert result.returncode == 3, result.stdout[-3000:]
    for name, role in raised.items():
        (row,) = [r for r in _rows(report) if r["object"].startswith(name)]
        assert row["state"] == "not restored", row
        assert f'role="{role}"' in row["detail"], row
    plain = [r for r in _rows(report) if not any(r["object"].startswith(n) for n in raised)]
    assert plain, plain
    assert all(r["state"] == "left" for r in plain), plain


def test_the_admin_it_made_is_demoted_when_the_api_can(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """An admin's role write takes the privilege back: every account left is a plain member."""
    guild, result, report = _scan(tmp_path_factory, demotable=True)
    assert _granted(report), [f["title"] for f in report["findings"]]
    assert result.returncode in {0, 1}, result.stdout[-3000:]
    assert guild.made()
    assert {m["role"] for m in guild.made().values()} == {"member"}, guild.made()
    assert {n: guild.members[n]["role"] for n in SEEDED} == {1: "admin", 2: "member", 3: "member"}
    taken = [r for r in _rows(report) if "taken back" in r["detail"]]
    assert taken, _rows(report)
    assert all(r["state"] == "left" for r in taken), _rows(report)
    assert all("PATCH /admin/members/{member_id}" in r["detail"] for r in taken), taken
