"""Restore: what an identity made but may not delete is deleted by another identity.

A notice board in Flask: any member pins a notice (``POST /notices``, 201 with its id),
anyone logged in reads one, and only moderators take one down (``DELETE`` answers 403 to
members). The scan's harvest pins a notice as the member; the restore phase must not
leave it behind because the member's own DELETE is refused.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from flask import Flask, abort, jsonify, request

from apiward.core.registry import Registry
from apiward.scan import Identity, ScanConfig, scan
from apiward.scan.check import AnyCheck
from apiward.scan.checks.version_disclosure import VersionDisclosure
from apiward.spec import load
from serving import serving

TOKENS = {"tk-mel": ("mel", "member"), "tk-mo": ("mo", "moderator")}


def board(*, hides: bool = False) -> tuple[Flask, dict[int, dict[str, Any]]]:
    """The notice board and its notices; ``hides``: moderators take down only their own
    notices and answer 404 for a member's, which stays up."""
    app = Flask(__name__)
    notices: dict[int, dict[str, Any]] = {}
    serial = itertools.count(1)

    def caller() -> tuple[str, str]:
        found = TOKENS.get(request.headers.get("Authorization", "").removeprefix("Bearer "))
        if found is None:
            abort(401)
        return found

    @app.get("/openapi.json")
    def contract() -> Any:
        notice = {
            "type": "object",
            "properties": {"id": {"type": "integer"}, "text": {"type": "string"}},
        }
        content = {"application/json": {"schema": notice}}
        param = {"name": "notice_id", "in": "path", "required": True, "schema": {"type": "integer"}}
        return jsonify(
            {
                "openapi": "3.0.3",
                "info": {"title": "board", "version": "1"},
                "security": [{"bearer": []}],
                "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
                "paths": {
                    "/notices": {
                        "post": {
                            "requestBody": {"content": content},
                            "responses": {"201": {"description": "pinned", "content": content}},
                        }
                    },
                    "/notices/{notice_id}": {
                        "parameters": [param],
                        "get": {"responses": {"200": {"description": "one", "content": content}}},
                        "delete": {"responses": {"204": {"description": "taken down"}}},
                    },
                },
            }
        )

    @app.post("/notices")
    def pin() -> Any:
        caller()
        number = next(serial)
        notices[number] = {
            "id": number,
            "text": str((request.get_json(silent=True) or {}).get("text")),
            "by": caller()[0],
        }
        return jsonify(notices[number]), 201

    @app.get("/notices/<int:number>")
    def read(number: int) -> Any:
        caller()
        return jsonify(notices[number]) if number in notices else abort(404)

    @app.delete("/notices/<int:number>")
    def take_down(number: int) -> Any:
        me, role = caller()
        if hides and role == "moderator" and notices.get(number, {}).get("by") != me:
            abort(404)
        if role != "moderator":
            abort(403)
        notices.pop(number, None)
        return "", 204

    return app, notices


def test_a_members_notice_is_taken_down_by_the_moderator_after_the_scan() -> None:
    """Every notice the scan pinned is gone, the member's too, and the target state says so."""
    app, notices = board()
    identities = tuple(
        Identity(name=name, role=role, headers={"Authorization": f"Bearer {token}"})
        for token, (name, role) in TOKENS.items()
    )
    with serving(app, wsgi=True) as url:
        api = load(f"{url}/openapi.json", allow_private=True)
        registry = Registry[AnyCheck]("check", [("version_disclosure", VersionDisclosure())])
        results = asyncio.run(scan(api, ScanConfig(target=url, identities=identities), registry))
    made = [c for c in results.target_state if c.what.value == "object created"]
    assert made, results.target_state
    assert {c.state.value for c in made} == {"deleted"}, made
    assert any("by mo" in c.detail for c in made), made
    assert notices == {}


def test_another_identitys_404_is_no_proof_the_notice_is_gone() -> None:
    """The moderator's 404 means "not yours" here: the notices are left, and say so."""
    app, notices = board(hides=True)
    identities = tuple(
        Identity(name=name, role=role, headers={"Authorization": f"Bearer {token}"})
        for token, (name, role) in TOKENS.items()
    )
    with serving(app, wsgi=True) as url:
        api = load(f"{url}/openapi.json", allow_private=True)
        registry = Registry[AnyCheck]("check", [("version_disclosure", VersionDisclosure())])
        results = asyncio.run(scan(api, ScanConfig(target=url, identities=identities), registry))
    rows = {
        c.object: c.state.value for c in results.target_state if c.what.value == "object created"
    }
    kept = {f"/notices/{n}" for n, v in notices.items() if v["by"] == "mel"}
    assert kept, "the member pinned nothing: the oracle above could not fail"
    assert {rows[k] for k in kept} == {"left"}, rows
