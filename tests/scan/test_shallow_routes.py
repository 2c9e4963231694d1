"""A write on a shallow route is read back through the nested listing that holds its object.

Many APIs list a child only under its parent (``GET /tasks/{task_id}/comments``) yet change
it by its own id (``PATCH /comments/{comment_id}``): the "shallow routes" Rails and many
REST guides recommend. The contract has no ``GET /comments/{comment_id}``, so before, the
scan found nothing to read such a comment by, withheld every write to it, and never saw that
anyone could edit anyone's comment.

The API is written the way a Flask developer writes one: a hand-written contract, PyJWT-free
opaque bearer tokens, ``jsonify`` answers, Flask's own HTML 404 page, a comment's author by
name, and a ``secure`` switch that adds the author check the flawed one forgot.
"""

from __future__ import annotations

import itertools
import secrets
from pathlib import Path
from typing import Any

from flask import Flask, abort, jsonify, request
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - name: alice
    login:
      operation: POST /login
      json: {username: alice, password: alice-pw-2024}
      token: token
  - name: bob
    login:
      operation: POST /login
      json: {username: bob, password: bob-pw-2024}
      token: token
"""

_TASK = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "title": {"type": "string"},
        "owner": {"type": "string"},
    },
}
_COMMENT = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "task_id": {"type": "integer"},
        "author": {"type": "string"},
        "body": {"type": "string"},
    },
}
_NEW_COMMENT = {
    "type": "object",
    "required": ["body"],
    "properties": {"body": {"type": "string", "maxLength": 500}},
}


def _ok(schema: dict[str, Any], status: str = "200") -> dict[str, Any]:
    return {status: {"description": "OK", "content": {"application/json": {"schema": schema}}}}


def _path_id(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


_CONTRACT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "todo", "version": "1.0"},
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/login": {
            "post": {
                "security": [],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["username", "password"],
                                "properties": {
                                    "username": {"type": "string"},
                                    "password": {"type": "string", "format": "password"},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    **_ok({"type": "object", "properties": {"token": {"type": "string"}}}),
                    "401": {"description": "Bad credentials"},
                },
            }
        },
        "/tasks": {
            "get": {"responses": _ok({"type": "array", "items": _TASK})},
            "post": {
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["title"],
                                "properties": {"title": {"type": "string", "maxLength": 200}},
                            }
                        }
                    },
                },
                "responses": _ok(_TASK, "201"),
            },
        },
        "/tasks/{task_id}": {
            "parameters": [_path_id("task_id")],
            "get": {"responses": {**_ok(_TASK), "404": {"description": "Not found"}}},
        },
        "/tasks/{task_id}/comments": {
            "parameters": [_path_id("task_id")],
            "get": {"responses": {**_ok({"type": "array", "items": _COMMENT})}},
            "post": {
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _NEW_COMMENT}},
                },
                "responses": _ok(_COMMENT, "201"),
            },
        },
        "/comments/{comment_id}": {
            "parameters": [_path_id("comment_id")],
            "patch": {
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _NEW_COMMENT}},
                },
                "responses": {**_ok(_COMMENT), "404": {"description": "Not found"}},
            },
            "delete": {"responses": {"204": {"description": "Deleted"}}},
        },
    },
}


def contract(*, creates: bool) -> dict[str, Any]:
    """The hand-written contract; without ``creates``, comments are made elsewhere (an app)."""
    if creates:
        return _CONTRACT
    listing = _CONTRACT["paths"]["/tasks/{task_id}/comments"]
    paths = {
        **_CONTRACT["paths"],
        "/tasks/{task_id}/comments": {"parameters": listing["parameters"], "get": listing["get"]},
    }
    return {**_CONTRACT, "paths": paths}


SEEDED = {
    1: {"id": 1, "task_id": 1, "author": "alice", "body": "Remember the oat milk."},
    2: {"id": 2, "task_id": 2, "author": "bob", "body": "Call the plumber first."},
}


def todo(*, secure: bool, creates: bool = True) -> tuple[Flask, dict[int, dict[str, Any]]]:
    """The API and its comments; ``secure`` checks a comment's author before changing it,
    ``creates`` lets a task's owner comment on it through the API."""
    passwords = {"alice": "alice-pw-2024", "bob": "bob-pw-2024"}
    tasks: dict[int, dict[str, Any]] = {
        1: {"id": 1, "title": "Groceries", "owner": "alice"},
        2: {"id": 2, "title": "Fix the sink", "owner": "bob"},
    }
    comments = {k: dict(v) for k, v in SEEDED.items()}
    numbers = itertools.count(100)
    tokens: dict[str, str] = {}
    app = Flask("todo")

    def caller() -> str:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or token not in tokens:
            abort(401)
        return tokens[token]

    def own_task(task_id: int) -> dict[str, Any]:
        task = tasks.get(task_id)
        if task is None or task["owner"] != caller():
            abort(404)
        return task

    @app.get("/openapi.json")
    def served_contract() -> Any:
        return jsonify(contract(creates=creates))

    @app.post("/login")
    def login() -> Any:
        body = request.get_json(silent=True) or {}
        name = body.get("username")
        if not isinstance(name, str) or passwords.get(name) != body.get("password"):
            return jsonify(error="bad credentials"), 401
        token = secrets.token_hex(16)
        tokens[token] = name
        return jsonify(token=token)

    @app.get("/tasks")
    def list_tasks() -> Any:
        me = caller()
        return jsonify([t for t in tasks.values() if t["owner"] == me])

    @app.post("/tasks")
    def add_task() -> Any:
        body = request.get_json(silent=True) or {}
        if not isinstance(body.get("title"), str):
            return jsonify(error="title is required"), 400
        task = {"id": next(numbers), "title": body["title"], "owner": caller()}
        tasks[task["id"]] = task
        return jsonify(task), 201

    @app.get("/tasks/<int:task_id>")
    def get_task(task_id: int) -> Any:
        return jsonify(own_task(task_id))

    @app.get("/tasks/<int:task_id>/comments")
    def list_comments(task_id: int) -> Any:
        own_task(task_id)
        return jsonify([c for c in comments.values() if c["task_id"] == task_id])

    @app.post("/tasks/<int:task_id>/comments")
    def add_comment(task_id: int) -> Any:
        if not creates:
            abort(405)
        own_task(task_id)
        body = request.get_json(silent=True) or {}
        if not isinstance(body.get("body"), str):
            return jsonify(error="body is required"), 400
        made = {"id": next(numbers), "task_id": task_id, "author": caller(), "body": body["body"]}
        comments[made["id"]] = made
        return jsonify(made), 201

    def own_comment(comment_id: int, *, check: bool) -> dict[str, Any]:
        me = caller()
        comment = comments.get(comment_id)
        if comment is None or (check and comment["author"] != me):
            abort(404)
        return comment

    @app.patch("/comments/<int:comment_id>")
    def edit_comment(comment_id: int) -> Any:
        comment = own_comment(comment_id, check=secure)  # the flaw: no author check
        body = request.get_json(silent=True) or {}
        if not isinstance(body.get("body"), str):
            return jsonify(error="body is required"), 400
        comment["body"] = body["body"]
        return jsonify(comment)

    @app.delete("/comments/<int:comment_id>")
    def delete_comment(comment_id: int) -> Any:
        comments.pop(own_comment(comment_id, check=True)["id"])
        return "", 204

    return app, comments


def _scan(
    tmp_path: Path, *, secure: bool, creates: bool = True
) -> tuple[dict[int, dict[str, Any]], dict[str, Any]]:
    app, comments = todo(secure=secure, creates=creates)
    with serving(app, wsgi=True) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "bola")
    assert done.returncode != 2, done.stdout + done.stderr
    assert done.returncode != 3, report["tables"]["target_state"]
    return comments, report


def _bola(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        f
        for f in report["findings"]
        if f["check"] == "bola" and f["operation"] == "PATCH /comments/{comment_id}"
    ]


def test_anyones_comment_edited_by_its_own_id_is_found_and_put_back(tmp_path: Path) -> None:
    """bob edits alice's comment by its id: found, and every seeded comment ends as it began."""
    comments, report = _scan(tmp_path, secure=False)
    assert _bola(report), [f["operation"] for f in report["findings"]] + [
        s["detail"] for s in report["skipped"]
    ]
    for number, seeded in SEEDED.items():
        assert comments[number] == seeded


def test_a_seeded_comment_is_read_from_its_tasks_listing_attacked_and_written_back(
    tmp_path: Path,
) -> None:
    """Where the scan can make no comment of its own, bob's edit goes to alice's seeded one,
    read first from her task's listing: found, and her words written back."""
    comments, report = _scan(tmp_path, secure=False, creates=False)
    assert _bola(report)
    assert comments == SEEDED
    written = [r for r in report["tables"]["target_state"] if r["what"] == "object written"]
    assert written
    assert all(r["state"] == "restored" for r in written), written


def test_the_author_check_leaves_nothing_to_find(tmp_path: Path) -> None:
    """With the author check, the same scan reports no BOLA on the comment."""
    comments, report = _scan(tmp_path, secure=True)
    assert not _bola(report)
    for number, seeded in SEEDED.items():
        assert comments[number] == seeded
