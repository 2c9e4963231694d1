"""A neighbour id the API drops as a filter shows the caller's own rows: no enumeration.

A time-tracking API written in Flask, as the Ninja trial's was: ``GET /api/projects``
lists the caller's projects, ``GET /api/time-entries`` the caller's entries, ``?project_id=`` narrows them, and ``project_id=0`` is falsy,
so the filter is dropped and every one of the caller's own entries comes back. Counting
down from project 1 to 0 looked like another's data (a medium false positive). The
flawed twin, whose filter lists any project's entries whoever asks, is still found.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import flask
import pytest
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - {name: alice, role: user, headers: {Authorization: Bearer te-alice}}
  - {name: bob, role: user, headers: {Authorization: Bearer te-bob}}
"""
TOKENS = {"Bearer te-alice": "alice", "Bearer te-bob": "bob"}
PROJECTS = {1: "alice", 2: "alice", 3: "bob", 4: "bob"}
ENTRIES = [
    {"id": 10 + n, "project_id": project, "hours": 2 + n, "note": f"Work item {n}"}
    for n, project in enumerate([1, 1, 2, 3, 3, 4])
]
ENTRY = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "project_id": {"type": "integer"},
        "hours": {"type": "integer"},
        "note": {"type": "string"},
    },
}
PROJECT = {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}
PAGE = {"type": "object", "properties": {"items": {"type": "array", "items": ENTRY}}}
CONTRACT = {
    "openapi": "3.1.0",
    "info": {"title": "timesheets", "version": "1.0.0"},
    "security": [{"BearerAuth": []}],
    "components": {"securitySchemes": {"BearerAuth": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/api/projects": {
            "get": {
                "responses": {
                    "200": {
                        "description": "OK",
                        "content": {
                            "application/json": {"schema": {"type": "array", "items": PROJECT}}
                        },
                    }
                }
            }
        },
        "/api/time-entries": {
            "get": {
                "parameters": [
                    {
                        "in": "query",
                        "name": "project_id",
                        "required": False,
                        "schema": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
                    }
                ],
                "responses": {
                    "200": {"description": "OK", "content": {"application/json": {"schema": PAGE}}}
                },
            }
        },
    },
}


def app_of(entries: list[dict[str, Any]], *, flawed: bool) -> flask.Flask:
    """The API; ``flawed`` lists any project's entries to whoever names the project."""
    app = flask.Flask("timesheets")

    @app.get("/openapi.json")
    def contract() -> Any:
        return CONTRACT

    @app.get("/api/projects")
    def projects() -> Any:
        who = TOKENS.get(flask.request.headers.get("Authorization", ""))
        if who is None:
            return {"detail": "Unauthorized"}, 401
        return [{"id": k, "name": f"Project {k}"} for k, owner in PROJECTS.items() if owner == who]

    @app.get("/api/time-entries")
    def listing() -> Any:
        who = TOKENS.get(flask.request.headers.get("Authorization", ""))
        if who is None:
            return {"detail": "Unauthorized"}, 401
        project = flask.request.args.get("project_id", type=int)
        rows = [e for e in entries if PROJECTS[e["project_id"]] == who]
        if project:  # 0 and no value alike: no filter
            pool = entries if flawed else rows
            rows = [e for e in pool if e["project_id"] == project]
        return {"items": rows, "count": len(rows)}

    return app


@pytest.mark.parametrize("flawed", [True, False], ids=["flawed", "fixed"])
def test_a_dropped_filter_is_no_enumeration(tmp_path: Path, flawed: bool) -> None:
    """The fixed twin gives no id_enumeration finding; the flawed one does."""
    entries = copy.deepcopy(ENTRIES)
    with serving(app_of(entries, flawed=flawed), wsgi=True) as url:
        result, report = scan_with_identities(
            url, IDENTITIES, tmp_path, "--checks", "id_enumeration"
        )
    assert result.returncode in {0, 1}, result.stdout[-3000:] + result.stderr[-3000:]
    found = [f for f in report["findings"] if f["check"] == "id_enumeration"]
    assert bool(found) is flawed, [f["detail"] for f in found]
    assert entries == ENTRIES
