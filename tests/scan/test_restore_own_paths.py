"""Restore: ``/me`` names each caller's own record, so it is put back by that caller alone.

A Koa back-office (API keys, ``PATCH /me`` taking any field) had both a member and the admin
written through ``/me``; the scan kept one snapshot for the path and put the admin's record
back as alice, who came out of the scan an admin with the admin's e-mail. Here, in Flask,
the admin writes its ``/me`` first and alice hers after: both must come back as found.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator, Callable
from typing import Any

from flask import Flask, jsonify, request

from apiward.core.registry import Registry
from apiward.scan import Identity, ScanConfig, scan
from apiward.scan.check import AnyCheck, Outcome
from apiward.scan.context import Context
from apiward.scan.request import BodyKind, Request
from apiward.spec import load

KEYS = {"key-alice": 1, "key-root": 2, "key-omar": 3}
PEOPLE = {
    1: {"id": 1, "email": "alice@example.com", "name": "Alice", "role": "member", "credits": 10},
    2: {"id": 2, "email": "root@example.com", "name": "Root", "role": "admin", "credits": 100},
    3: {"id": 3, "email": "omar@example.com", "name": "Omar", "role": "member", "credits": 10},
}


def _contract() -> dict[str, Any]:
    person = {
        "type": "object",
        "properties": {
            "email": {"type": "string"},
            "name": {"type": "string"},
            "role": {"type": "string"},
            "credits": {"type": "integer"},
        },
    }
    ok = {"200": {"description": "ok", "content": {"application/json": {"schema": person}}}}
    body = {"required": True, "content": {"application/json": {"schema": person}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "lending", "version": "1"},
        "security": [{"key": []}],
        "paths": {
            "/me": {"get": {"responses": ok}, "patch": {"requestBody": body, "responses": ok}}
        },
        "components": {
            "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Api-Key"}}
        },
    }


def lending_app() -> Flask:
    """``PATCH /me`` sets whatever it is sent, role and credits included (mass assignment)."""
    app = Flask(__name__)
    people = copy.deepcopy(PEOPLE)

    def caller() -> dict[str, Any] | None:
        number = KEYS.get(request.headers.get("X-Api-Key", ""))
        return people.get(number) if number else None

    @app.get("/openapi.json")
    def contract() -> Any:
        return jsonify(_contract())

    @app.get("/me")
    def me() -> Any:
        who = caller()
        return (jsonify(who), 200) if who else (jsonify({"message": "Unauthorized"}), 401)

    @app.patch("/me")
    def update() -> Any:
        who = caller()
        if who is None:
            return jsonify({"message": "Unauthorized"}), 401
        given = request.get_json(silent=True) or {}
        who.update({k: v for k, v in given.items() if k in {"email", "name", "role", "credits"}})
        return jsonify(who)

    app.config["people"] = people
    return app


ALICE = Identity(name="alice", role="member", headers={"X-Api-Key": "key-alice"})
ROOT = Identity(name="root", role="admin", rank=10, headers={"X-Api-Key": "key-root"})


class RenamesThroughMe:
    """Writes ``/me`` as the admin, as alice, then with no credentials; all left to the restore.

    The last is refused, yet its snapshot, read after alice's write, once held her changed
    record and was put back after hers: her name stayed changed.
    """

    id = "renames"
    title = "writes under test"
    owasp = "API3:2023"
    cwe = ""
    safe = True
    remediation = ""

    async def run_once(self, ctx: Context) -> AsyncIterator[Outcome]:
        """The admin's write, then alice's, each its own record's."""
        who = {i.name: i for i in ctx.identities}
        writes = (
            ("root", {"name": "Ops"}),
            ("alice", {"name": "A.", "credits": 11}),
            (None, {"name": "stripped"}),  # auth_bypass's request without credentials
        )
        for name, body in writes:
            patch = Request(
                method="PATCH", path="/me", operation="PATCH /me", body=body,
                body_kind=BodyKind.JSON,
            )  # fmt: skip
            await ctx.send(patch, as_=who[name] if name else None, note="under test")
        return
        yield


def test_each_record_written_through_me_is_put_back_by_its_own_caller(
    serve: Callable[..., Any],
) -> None:
    """Both records as found, each restored as its caller: alice never takes the admin's."""
    app = lending_app()
    url = serve(app, wsgi=True).url
    api = load(f"{url}/openapi.json", allow_private=True)
    config = ScanConfig(target=url, identities=(ALICE, ROOT))
    check = RenamesThroughMe()
    results = asyncio.run(scan(api, config, Registry[AnyCheck]("check", [(check.id, check)])))
    assert app.config["people"] == PEOPLE
    assert [(c.object, c.state.value) for c in results.target_state] == [
        ("/me", "restored"),
        ("/me", "restored"),
    ]
