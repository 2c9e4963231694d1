"""Restore: a child nothing deletes, under a parent the scan made and deleted, is read back.

A course API in Flask: ``POST /courses`` makes a course (deleted at ``/courses/{slug}``),
``POST /courses/{slug}/assignments`` adds an assignment read at ``/assignments/{id}``,
and no operation deletes an assignment. Most APIs take the children with the parent,
some keep them: the report must say which, by reading each child back.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from flask import Flask, abort, jsonify, request
from test_ledger import Writes

from apiward.core.registry import Registry
from apiward.scan import Identity, Results, ScanConfig, scan
from apiward.scan.check import AnyCheck
from apiward.scan.identities import Login
from apiward.scan.request import BodyKind, Request
from apiward.spec import load
from serving import serving

OBJECT = {"application/json": {"schema": {"type": "object"}}}
SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
MADE = {"201": {"description": "made", "content": OBJECT}}
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "courses", "version": "1"},
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/login": {"post": {"security": [], "responses": {"200": {"description": "token"}}}},
        "/courses": {"post": {"requestBody": {"content": OBJECT}, "responses": MADE}},
        "/courses/{slug}": {
            "parameters": [SLUG],
            "get": {"responses": {"200": {"description": "it", "content": OBJECT}}},
            "delete": {"responses": {"204": {"description": "gone"}}},
        },
        "/courses/{slug}/assignments": {
            "parameters": [SLUG],
            "post": {"requestBody": {"content": OBJECT}, "responses": MADE},
        },
        "/assignments/{id}": {
            "parameters": [ID],
            "get": {"responses": {"200": {"description": "it", "content": OBJECT}}},
        },
    },
}


def courses(*, cascade: bool) -> tuple[Flask, dict[int, dict[str, Any]]]:
    """The app, and its assignments; a course's deletion takes them with it when ``cascade``."""
    app = Flask(__name__)
    store: dict[str, dict[str, Any]] = {}
    assignments: dict[int, dict[str, Any]] = {}

    @app.before_request
    def authenticated() -> None:
        public = request.path in {"/login", "/openapi.json"}
        if not public and request.headers.get("Authorization") != "Bearer tk-irene":
            abort(401)

    @app.get("/openapi.json")
    def contract() -> Any:
        return jsonify(CONTRACT)

    @app.post("/login")
    def login() -> Any:
        return jsonify(token="tk-irene")

    @app.post("/courses")
    def create() -> Any:
        title = (request.get_json(silent=True) or {}).get("title", "")
        store[title] = {"slug": title, "title": title}
        return jsonify(store[title]), 201

    @app.get("/courses/<slug>")
    def course(slug: str) -> Any:
        return jsonify(store.get(slug) or abort(404))

    @app.delete("/courses/<slug>")
    def remove(slug: str) -> Any:
        store.pop(slug, None) or abort(404)
        if cascade:
            for number in [n for n, a in assignments.items() if a["course"] == slug]:
                del assignments[number]
        return "", 204

    @app.post("/courses/<slug>/assignments")
    def assign(slug: str) -> Any:
        if slug not in store:
            abort(404)
        number = len(assignments) + 100
        assignments[number] = {"id": number, "course": slug, "title": "essay"}
        return jsonify(assignments[number]), 201

    @app.get("/assignments/<int:number>")
    def assignment(number: int) -> Any:
        return jsonify(assignments.get(number) or abort(404))

    return app, assignments


def _post(template: str, body: dict[str, Any], **params: str) -> Request:
    return Request(
        method="POST",
        path=template,
        operation=f"POST {template}",
        path_params=params,
        body=body,
        body_kind=BodyKind.JSON,
    )


def _scan(app: Flask) -> Results:
    irene = Identity(
        name="irene", login=Login(method="POST", path="/login", body={}, token="token")
    )
    writes = Writes(
        ("irene", _post("/courses", {"title": "apiwardcourse1"})),
        ("irene", _post("/courses/{slug}/assignments", {"title": "essay"}, slug="apiwardcourse1")),
        ("irene", _post("/courses/{slug}/assignments", {"title": "quiz"}, slug="apiwardcourse1")),
    )
    with serving(app, wsgi=True) as url:
        api = load(f"{url}/openapi.json", allow_private=True)
        config = ScanConfig(target=url, identities=(irene,))
        return asyncio.run(scan(api, config, Registry[AnyCheck]("check", [(writes.id, writes)])))


def _assignment_rows(results: Results) -> list[Any]:
    return [c for c in results.target_state if "assignments" in c.object]


@pytest.mark.parametrize("cascade", [True, False], ids=["taken-with-it", "kept"])
def test_a_child_of_a_deleted_parent_is_read_back(cascade: bool) -> None:
    app, assignments = courses(cascade=cascade)
    results = _scan(app)
    rows = _assignment_rows(results)
    assert rows, results.target_state
    if cascade:
        assert assignments == {}
        assert all(r.state == "deleted" and "reads back gone" in r.detail for r in rows), rows
    else:
        assert len(assignments) == 2
        assert all(r.state == "left" and "still reads back" in r.detail for r in rows), rows
