"""A probe that makes a member an admin for a moment lends nobody else that right.

A club's API in Flask (HTTP Basic, Flask's HTML error pages): members read the club's
projects, only admins delete one (the role is read on every request), and an admin sets
anyone's role with ``POST /users/{id}/set-role``. The flawed twin forgets the admin check
on set-role: a member makes itself admin. ``bfla`` finds that by doing it, reads the new
role back and puts the old one back. Meanwhile other probes run as the same member; were
any sent while it was admin, "a member deletes a project" would be reported, a finding
the API does not have (the DRF trial's false positive), and the project really deleted
with rights nobody gave the scan. No project DELETE by a member may succeed.
"""

from __future__ import annotations

import base64
import itertools
import threading
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, abort, jsonify, request
from tests.conftest import scan_with_identities

from serving import serving

USERS = {
    "nina": {"id": 1, "password": "nina-reads-7", "role": "member"},
    "omar": {"id": 2, "password": "omar-reads-3", "role": "member"},
    "kate": {"id": 3, "password": "kate-runs-9", "role": "admin"},
}
IDENTITIES = """\
identities:
  - name: nina
    role: member
    rank: 1
    basic: {username: nina, password: nina-reads-7}
  - name: omar
    role: member
    rank: 1
    basic: {username: omar, password: omar-reads-3}
  - name: kate
    role: admin
    rank: 10
    basic: {username: kate, password: kate-runs-9}
"""
PROJECT = {
    "type": "object",
    "properties": {"id": {"type": "integer", "readOnly": True}, "name": {"type": "string"}},
}
USER = {
    "type": "object",
    "properties": {
        "id": {"type": "integer", "readOnly": True},
        "username": {"type": "string", "readOnly": True},
        "role": {"type": "string", "enum": ["member", "admin"]},
    },
}


def _json(schema: dict[str, Any], status: str = "200") -> dict[str, Any]:
    return {status: {"description": "ok", "content": {"application/json": {"schema": schema}}}}


def _id(name: str) -> list[dict[str, Any]]:
    return [{"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}]


CONTRACT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "club", "version": "1"},
    "security": [{"basic": []}],
    "components": {"securitySchemes": {"basic": {"type": "http", "scheme": "basic"}}},
    "paths": {
        "/users/{user_id}/set-role": {
            "post": {
                "summary": "Change a user's role (admin only)",
                "parameters": _id("user_id"),
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {"role": USER["properties"]["role"]},
                            }
                        }
                    }
                },
                "responses": {**_json(USER), "403": {"description": "not an admin"}},
            }
        },
        "/me": {"get": {"responses": _json(USER)}},
        "/projects": {
            "get": {"responses": _json({"type": "array", "items": PROJECT})},
            "post": {
                "description": "Admins only.",
                "requestBody": {"content": {"application/json": {"schema": PROJECT}}},
                "responses": {**_json(PROJECT, "201"), "403": {"description": "not an admin"}},
            },
        },
        "/projects/{project_id}": {
            "get": {"parameters": _id("project_id"), "responses": _json(PROJECT)},
            "delete": {
                "description": "Admins only.",
                "parameters": _id("project_id"),
                "responses": {"204": {"description": "gone"}, "403": {"description": "no"}},
            },
        },
    },
}


class Club:
    """Users with roles, and the club's projects."""

    def __init__(self, *, flawed: bool) -> None:
        self.flawed = flawed
        self.roles = {name: user["role"] for name, user in USERS.items()}
        self.projects = {1: {"id": 1, "name": "Spring fair"}, 2: {"id": 2, "name": "Newsletter"}}
        self.serial = itertools.count(3)
        self.deleted_by_members: list[int] = []
        self.lock = threading.Lock()

    def app(self) -> Flask:
        """The service as a WSGI app."""
        web = Flask("club")

        def caller() -> str:
            scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
            name, _, password = base64.b64decode(encoded or "").decode().partition(":")
            if scheme != "Basic" or USERS.get(name, {}).get("password") != password:
                abort(401)
            return name

        def user(name: str) -> dict[str, Any]:
            return {"id": USERS[name]["id"], "username": name, "role": self.roles[name]}

        @web.get("/openapi.json")
        def contract() -> Any:
            return jsonify(CONTRACT)

        @web.get("/me")
        def me() -> Any:
            return jsonify(user(caller()))

        @web.get("/projects")
        def projects() -> Any:
            caller()
            return jsonify(list(self.projects.values()))

        @web.post("/projects")
        def add() -> Any:
            if self.roles[caller()] != "admin":
                abort(403)
            body = request.get_json(silent=True) or {}
            made = {"id": next(self.serial), "name": str(body.get("name", ""))}
            self.projects[made["id"]] = made
            return jsonify(made), 201

        @web.route("/projects/<int:project_id>", methods=["GET", "DELETE"])
        def project(project_id: int) -> Any:
            who = caller()
            found = self.projects.get(project_id) or abort(404)
            if request.method == "GET":
                return jsonify(found)
            if self.roles[who] != "admin":
                abort(403)
            with self.lock:
                if USERS[who]["role"] != "admin":
                    self.deleted_by_members.append(project_id)
                del self.projects[project_id]
            return "", 204

        @web.post("/users/<int:user_id>/set-role")
        def set_role(user_id: int) -> Any:
            who = caller()
            if not self.flawed and self.roles[who] != "admin":
                abort(403)
            name = next((n for n, u in USERS.items() if u["id"] == user_id), None) or abort(404)
            role = (request.get_json(silent=True) or {}).get("role")
            if role not in {"member", "admin"}:
                abort(400)
            self.roles[name] = role
            return jsonify(user(name))

        return web


@pytest.mark.parametrize("flawed", [True, False], ids=["flawed", "fixed"])
def test_a_member_made_admin_by_a_probe_acts_as_nothing_else_meanwhile(
    flawed: bool, tmp_path: Path
) -> None:
    """set-role is found on the flawed twin; no member ever deletes a project on either."""
    club = Club(flawed=flawed)
    with serving(club.app(), wsgi=True) as url:
        result, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "bfla")
    assert result.returncode in {0, 1}, result.stdout[-3000:]
    found = {f["operation"] for f in report["findings"] if f["severity"] != "low"}
    assert ("POST /users/{user_id}/set-role" in found) is flawed, found
    assert "DELETE /projects/{project_id}" not in found, found
    assert club.deleted_by_members == []
    assert club.roles == {name: user["role"] for name, user in USERS.items()}
    # set-role answers with the user it changed: nothing was created, nothing is left.
    left = [r for r in report["tables"]["target_state"] if r["state"] == "left"]
    assert left == [], left
