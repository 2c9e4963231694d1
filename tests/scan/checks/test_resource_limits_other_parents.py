"""resource_limits: a page size asked under the parent that holds the rows.

The Fastify trial's ``GET /workspaces/{workspaceSlug}/audit-events`` ("Page size (max 100)")
served any ``page[size]``. The scan asked it under the workspace it had made as the caller,
whose log held a few events: the pages at 100 and 1000 held the same few, nothing could add
events, and the check said nothing, while the caller's own seeded workspace held 151. A
page that cannot show the bound is now asked again under another parent the caller lists,
or as another identity. The flawed twin below honours any size; the fixed one clamps it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import flask
import pytest
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - {name: alice, role: owner, headers: {Authorization: Bearer dk-alice}}
  - {name: bob, role: agent, headers: {Authorization: Bearer dk-bob}}
"""
USERS = {"Bearer dk-alice": "alice", "Bearer dk-bob": "bob"}
_OK = {"200": {"description": "OK", "content": {"application/json": {"schema": {}}}}}
_SLUG = {"name": "workspaceSlug", "in": "path", "required": True, "schema": {"type": "string"}}
_SIZE = {
    "name": "page[size]",
    "in": "query",
    "description": "Page size (max 100)",
    "schema": {"type": "integer", "minimum": 1, "default": 20},
}
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "Deskly", "version": "1"},
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/workspaces": {
            "get": {"summary": "Your workspaces", "responses": _OK},
            "post": {
                "summary": "Create a workspace",
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["slug"],
                                "properties": {"slug": {"type": "string"}},
                            }
                        }
                    }
                },
                "responses": {"201": _OK["200"]},
            },
        },
        "/workspaces/{workspaceSlug}": {
            "delete": {"parameters": [_SLUG], "responses": {"204": {"description": "Deleted"}}}
        },
        "/workspaces/{workspaceSlug}/audit-events": {
            "get": {"parameters": [_SLUG, _SIZE], "summary": "Audit log", "responses": _OK}
        },
    },
}


def app_of(*, flawed: bool) -> tuple[flask.Flask, dict[str, list[dict[str, Any]]]]:
    """The API and its logs by workspace; ``flawed`` serves any page size."""
    app = flask.Flask("deskly")
    app.add_url_rule("/openapi.json", "spec", lambda: CONTRACT)
    logs: dict[str, list[dict[str, Any]]] = {
        "acme": [{"id": n, "action": "ticket.created"} for n in range(1, 152)]
    }
    members = {"acme": {"alice", "bob"}}

    def signed_in(slug: str | None = None) -> bool:
        who = USERS.get(flask.request.headers.get("Authorization", ""))
        return who is not None and (slug is None or who in members.get(slug, ()))

    @app.route("/workspaces", methods=["GET", "POST"])
    def workspaces() -> Any:
        if not signed_in():
            return {"error": "Unauthorized"}, 401
        if flask.request.method == "GET":
            return {"data": [{"slug": slug} for slug in logs if signed_in(slug)]}
        slug = str((flask.request.get_json(silent=True) or {}).get("slug", ""))
        if not slug or slug in logs:
            return {"error": "Slug taken"}, 409
        logs[slug] = [{"id": 1, "action": "workspace.created"}]
        members[slug] = {USERS[flask.request.headers["Authorization"]]}
        return {"data": {"slug": slug}}, 201

    @app.delete("/workspaces/<slug>")
    def delete(slug: str) -> Any:
        if not signed_in(slug):
            return {"error": "Not found"}, 404
        del logs[slug]
        return "", 204

    @app.get("/workspaces/<slug>/audit-events")
    def events(slug: str) -> Any:
        if not signed_in(slug):
            return {"error": "Not found"}, 404
        size = flask.request.args.get("page[size]", 20, type=int) or 20
        size = size if flawed else min(size, 100)
        return {"data": logs[slug][:size], "meta": {"total": len(logs[slug])}}

    return app, logs


@pytest.mark.parametrize("flawed", [True, False], ids=["flawed", "fixed"])
def test_the_page_size_is_asked_where_the_rows_are(tmp_path: Path, flawed: bool) -> None:
    """page[size]=1000 under acme serves all 151 events: medium; clamped to 100, none."""
    app, logs = app_of(flawed=flawed)
    with serving(app, wsgi=True) as url:
        done, report = scan_with_identities(
            url, IDENTITIES, tmp_path, "--checks", "resource_limits"
        )
    assert done.returncode in {0, 1}, done.stdout[-3000:]
    assert list(logs) == ["acme"]
    found = [
        f
        for f in report["findings"]
        if f["check"] == "resource_limits" and "audit-events" in f["operation"]
    ]
    if not flawed:
        assert not found, found
        return
    [finding] = found
    assert finding["severity"] == "medium"
    assert "151 items" in finding["detail"], finding["detail"]


LAB_IDENTITIES = """\
identities:
  - {name: alice, role: patient, rank: 1, headers: {Authorization: Bearer lab-alice}}
  - {name: lee, role: lab_tech, rank: 3, headers: {Authorization: Bearer lab-lee}}
"""
_PER_PAGE = {
    "name": "per_page",
    "in": "query",
    "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
}
LAB = {
    "openapi": "3.0.3",
    "info": {"title": "Lab", "version": "1"},
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/api/v1/lab-results": {
            "get": {
                "summary": "Lab results you may see",
                "parameters": [_PER_PAGE],
                "responses": _OK,
            },
            "post": {
                "summary": "Post a result",
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {"value": {"type": "string"}},
                            }
                        }
                    }
                },
                "responses": {"201": _OK["200"]},
            },
        }
    },
}


def lab_of(*, flawed: bool) -> tuple[flask.Flask, list[dict[str, Any]]]:
    """A lab: alice sees her 3 results, lee all 145; nothing deletes a result."""
    app = flask.Flask("lab")
    app.add_url_rule("/openapi.json", "spec", lambda: LAB)
    results = [{"id": n, "patient": "alice" if n <= 3 else "bob"} for n in range(1, 146)]
    who = {"Bearer lab-alice": "alice", "Bearer lab-lee": "lee"}

    @app.route("/api/v1/lab-results", methods=["GET", "POST"])
    def listing() -> Any:
        user = who.get(flask.request.headers.get("Authorization", ""))
        if user is None:
            return "401: Unauthorized", 401
        if flask.request.method == "POST":
            results.append({"id": len(results) + 1, "patient": user})
            return results[-1], 201
        size = flask.request.args.get("per_page", 20, type=int) or 20
        size = size if flawed else min(size, 100)
        return [r for r in results if user == "lee" or r["patient"] == user][:size]

    return app, results


@pytest.mark.parametrize("flawed", [True, False], ids=["flawed", "fixed"])
def test_a_page_the_caller_cannot_fill_is_asked_as_another_identity(
    tmp_path: Path, flawed: bool
) -> None:
    """alice's three results cannot show the bound, and nothing she makes could be deleted:
    lee's 145 do (the aiohttp trial's lab results)."""
    app, results = lab_of(flawed=flawed)
    with serving(app, wsgi=True) as url:
        done, report = scan_with_identities(
            url, LAB_IDENTITIES, tmp_path, "--checks", "resource_limits"
        )
    assert done.returncode in {0, 1}, done.stdout[-3000:]
    assert len(results) == 145
    found = [f["severity"] for f in report["findings"] if f["check"] == "resource_limits"]
    assert found == (["medium"] if flawed else []), report["findings"]
