"""Restore: one record behind two paths is put back as it was found, not as a probe left it.

A members app in Flask: each member edits their own name through ``PATCH /me``, and the
admin area shows the same record as ``/admin/members/{handle}``, whose role update
ignores every field but ``role``. A probe writes the name through ``/me`` first; a later
write through the admin path makes the ledger read the record there, after the probe.
"""

from __future__ import annotations

import asyncio
from typing import Any

from flask import Flask, abort, jsonify, request
from test_ledger import Writes

from apiward.core.registry import Registry
from apiward.scan import Identity, Results, ScanConfig, scan
from apiward.scan.check import AnyCheck
from apiward.scan.identities import Login
from apiward.scan.request import BodyKind, Request
from apiward.spec import load
from serving import serving

SEED = {"alice": {"handle": "alice", "name": "Alice Liddell", "role": "member"}}
MEMBER = {
    "type": "object",
    "properties": {
        "handle": {"type": "string"},
        "name": {"type": "string"},
        "role": {"type": "string"},
    },
}
JSON = {"application/json": {"schema": MEMBER}}
HANDLE = {"name": "handle", "in": "path", "required": True, "schema": {"type": "string"}}
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "members", "version": "1"},
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/login": {"post": {"security": [], "responses": {"200": {"description": "token"}}}},
        "/me": {
            "get": {"responses": {"200": {"description": "me", "content": JSON}}},
            "patch": {
                "requestBody": {"content": JSON},
                "responses": {"200": {"description": "me", "content": JSON}},
            },
        },
        "/admin/members/{handle}": {
            "parameters": [HANDLE],
            "get": {"responses": {"200": {"description": "one", "content": JSON}}},
        },
        "/admin/members/{handle}/role": {
            "parameters": [HANDLE],
            "put": {
                "requestBody": {"content": JSON},
                "responses": {"200": {"description": "one", "content": JSON}},
            },
        },
    },
}


def members(store: dict[str, dict[str, Any]]) -> Flask:
    """The app over ``store``: one token per login, all of them alice's."""
    app = Flask(__name__)

    def caller() -> dict[str, Any]:
        if request.headers.get("Authorization") != "Bearer tk-alice":
            abort(401)
        return store["alice"]

    @app.get("/openapi.json")
    def contract() -> Any:
        return jsonify(CONTRACT)

    @app.post("/login")
    def login() -> Any:
        return jsonify(token="tk-alice")

    @app.get("/me")
    def me() -> Any:
        return jsonify(caller())

    @app.patch("/me")
    def edit_me() -> Any:
        body = request.get_json(silent=True) or {}
        caller().update({k: v for k, v in body.items() if k == "name" and isinstance(v, str)})
        return jsonify(caller())

    @app.get("/admin/members/<handle>")
    def member(handle: str) -> Any:
        caller()
        return jsonify(store.get(handle) or abort(404))

    @app.put("/admin/members/<handle>/role")
    def set_role(handle: str) -> Any:
        caller()
        row = store.get(handle) or abort(404)
        role = (request.get_json(silent=True) or {}).get("role")
        if isinstance(role, str):
            row["role"] = role
        return jsonify(row)

    return app


def _write(method: str, path: str, body: dict[str, Any], **params: str) -> Request:
    template = path
    for name in params:
        template = template.replace(params[name], "{" + name + "}")
    return Request(
        method=method,
        path=template,
        operation=f"{method} {template}",
        path_params=params,
        body=body,
        body_kind=BodyKind.JSON,
    )


def _scan(store: dict[str, dict[str, Any]], *writes: tuple[str, Request]) -> Results:
    alice = Identity(
        name="alice", login=Login(method="POST", path="/login", body={}, token="token")
    )
    with serving(members(store), wsgi=True) as url:
        api = load(f"{url}/openapi.json", allow_private=True)
        config = ScanConfig(target=url, identities=(alice,))
        check = Writes(*writes)
        return asyncio.run(scan(api, config, Registry[AnyCheck]("check", [(check.id, check)])))


def test_a_record_written_through_two_paths_is_put_back_as_found() -> None:
    """The admin path's snapshot, read after the probe, still restores alice's own name."""
    store = {k: dict(v) for k, v in SEED.items()}
    results = _scan(
        store,
        ("alice", _write("PATCH", "/me", {"name": "Probe"})),
        (
            "alice",
            _write(
                "PUT",
                "/admin/members/alice/role",
                {"role": "member", "name": "Probe again"},
                handle="alice",
            ),
        ),
    )
    assert store == SEED
    assert not results.damaged, [c for c in results.target_state if c.damage]


def test_two_records_that_share_a_value_are_not_taken_for_one() -> None:
    """Bob's admin-path record keeps his own name: alice's earlier write is not his."""
    seed = {**SEED, "bob": {"handle": "bob", "name": "Bob Probe", "role": "member"}}
    store = {k: dict(v) for k, v in seed.items()}
    results = _scan(
        store,
        ("alice", _write("PATCH", "/me", {"name": "Bob Probe"})),
        ("alice", _write("PUT", "/admin/members/bob/role", {"role": "member"}, handle="bob")),
    )
    assert store == seed
    assert not results.damaged, [c for c in results.target_state if c.damage]
