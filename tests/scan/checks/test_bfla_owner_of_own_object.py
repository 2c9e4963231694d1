"""An agent who made a workspace is its owner: "Workspace owners only." is no role above it.

The Fastify trial's ``PATCH /workspaces/{workspaceSlug}`` says "Workspace owners only."
Any member may create a workspace, and owns what it creates. The agent bob changed
``isPublic`` of a workspace the scan had made as bob, and the scan called that a high BFLA:
the sentence named the identities file's ``owner`` role, ranked above bob's. A write the
words give to its object's owner, on an object the lower identity owns, is what the
operation is for. A Flask twin of that API checks the caller's membership role in the
workspace, and gives no finding. (An API that let any member update the workspace would
go unreported by this path: its one workspace of others' that bob could write is seeded,
and bfla writes no seeded object.)
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import flask
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - {name: alice, role: owner, rank: 3, headers: {Authorization: Bearer dk-alice}}
  - {name: bob, role: agent, rank: 2, headers: {Authorization: Bearer dk-bob}}
"""
USERS = {"Bearer dk-alice": "alice", "Bearer dk-bob": "bob"}
_OK = {"200": {"description": "OK", "content": {"application/json": {"schema": {}}}}}
_SLUG = [{"name": "workspaceSlug", "in": "path", "required": True, "schema": {"type": "string"}}]
_BODY = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "isPublic": {"type": "boolean"}},
}
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "Deskly", "version": "1"},
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/workspaces": {
            "get": {"summary": "Workspaces you belong to", "responses": _OK},
            "post": {
                "summary": "Create a workspace (you become its owner)",
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["slug", "name"],
                                "properties": {
                                    "slug": {"type": "string", "pattern": "^[a-z0-9-]{3,40}$"},
                                    "name": {"type": "string"},
                                },
                            }
                        }
                    }
                },
                "responses": {"201": _OK["200"]},
            },
        },
        "/workspaces/{workspaceSlug}": {
            "get": {"parameters": _SLUG, "summary": "A workspace", "responses": _OK},
            "patch": {
                "parameters": _SLUG,
                "summary": "Update a workspace",
                "description": "Workspace owners only.",
                "requestBody": {"content": {"application/json": {"schema": _BODY}}},
                "responses": _OK,
            },
            "delete": {
                "parameters": _SLUG,
                "summary": "Delete a workspace",
                "description": "Workspace owners only.",
                "responses": {"204": {"description": "Deleted"}},
            },
        },
    },
}


def app_of() -> tuple[flask.Flask, dict[str, dict[str, Any]]]:
    """The API and its workspaces."""
    app = flask.Flask("deskly")
    app.add_url_rule("/openapi.json", "spec", lambda: CONTRACT)
    ids = itertools.count(3)
    spaces: dict[str, dict[str, Any]] = {
        "acme": {"id": 1, "slug": "acme", "name": "Acme", "isPublic": False,
                 "members": {"alice": "owner", "bob": "agent"}},
    }  # fmt: skip

    def shown(space: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in space.items() if k != "members"}

    def member(slug: str) -> tuple[str, dict[str, Any]] | None:
        who = USERS.get(flask.request.headers.get("Authorization", ""))
        space = spaces.get(slug)
        if who is None or space is None or who not in space["members"]:
            return None
        return space["members"][who], space

    @app.get("/workspaces")
    def listing() -> Any:
        who = USERS.get(flask.request.headers.get("Authorization", ""))
        if who is None:
            return {"statusCode": 401, "error": "Unauthorized", "message": "No token"}, 401
        return {"data": [shown(s) for s in spaces.values() if who in s["members"]]}

    @app.post("/workspaces")
    def create() -> Any:
        who = USERS.get(flask.request.headers.get("Authorization", ""))
        if who is None:
            return {"statusCode": 401, "error": "Unauthorized", "message": "No token"}, 401
        sent = flask.request.get_json(silent=True) or {}
        slug = str(sent.get("slug", ""))
        if slug in spaces or not slug:
            return {"statusCode": 409, "error": "Conflict", "message": "Slug taken"}, 409
        spaces[slug] = {"id": next(ids), "slug": slug, "name": str(sent.get("name", "")),
                        "isPublic": False, "members": {who: "owner"}}  # fmt: skip
        return {"data": shown(spaces[slug])}, 201

    @app.route("/workspaces/<slug>", methods=["GET", "PATCH", "DELETE"])
    def item(slug: str) -> Any:
        found = member(slug)
        if found is None:
            return {"statusCode": 404, "error": "Not Found", "message": "No such workspace"}, 404
        role, space = found
        if flask.request.method == "GET":
            return {"data": shown(space)}
        if role != "owner":
            return {"statusCode": 403, "error": "Forbidden", "message": "Owners only"}, 403
        if flask.request.method == "DELETE":
            del spaces[slug]
            return "", 204
        sent = flask.request.get_json(silent=True) or {}
        space.update({k: v for k, v in sent.items() if k in _BODY["properties"]})
        return {"data": shown(space)}

    return app, spaces


def test_an_owner_rule_on_the_lower_identitys_own_object_is_no_bfla(tmp_path: Path) -> None:
    """bob updating the workspace he made is no finding, and every workspace made is gone."""
    app, spaces = app_of()
    with serving(app, wsgi=True) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "bfla")
    assert done.returncode in {0, 1}, done.stdout[-3000:]
    found = [f for f in report["findings"] if f["check"] == "bfla"]
    assert not found, [f["detail"] for f in found]
    assert list(spaces) == ["acme"]
