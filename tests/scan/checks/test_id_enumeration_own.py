"""id_enumeration: a neighbour that is the caller's own, though never seen, is not someone else's.

A to-do API in Flask, keyed by ``X-API-Key``: each user's tasks are their own
(``GET /tasks/{task_id}`` answers 404 to anyone else) and their own to delete, and nothing
lists them, so the harvest only knows the tasks the scan made. Task 1, alice's, sits next to the one the
scan makes for her: counting reaches it, and it is hers. The careless build serves any
task to anyone: counting then reaches bob's.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask, abort, jsonify, request
from ownership_support import key, scan_app

from apiward.scan.checks.id_enumeration import IdEnumeration

TASK = {
    "type": "object",
    "properties": {"task_id": {"type": "integer"}, "text": {"type": "string", "maxLength": 80}},
}
JSON = {"application/json": {"schema": TASK}}
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "todo", "version": "1"},
    "security": [{"key": []}],
    "components": {
        "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}
    },
    "paths": {
        "/tasks": {
            "post": {
                "requestBody": {"content": JSON},
                "responses": {"201": {"description": "made", "content": JSON}},
            }
        },
        "/tasks/{task_id}": {
            "parameters": [
                {"name": "task_id", "in": "path", "required": True, "schema": {"type": "integer"}}
            ],
            "get": {"responses": {"200": {"description": "one", "content": JSON}}},
            "delete": {"responses": {"204": {"description": "done with"}}},
        },
    },
}


def todo(*, checks_owner: bool, contract: dict[str, Any] = CONTRACT) -> Flask:
    """Task 1 is alice's, task 2 bob's; the scan's own come after."""
    web = Flask("todo")
    tasks: dict[int, dict[str, Any]] = {
        1: {"task_id": 1, "text": "water the plants on the balcony", "owner": "alice"},
        2: {"task_id": 2, "text": "call the plumber about the leak", "owner": "bob"},
    }
    serial = itertools.count(3)

    def caller() -> str:
        name = {"key-alice": "alice", "key-bob": "bob"}.get(request.headers.get("X-API-Key", ""))
        return name or abort(401)

    @web.get("/openapi.json")
    def document() -> Any:
        return jsonify(contract)

    @web.post("/tasks")
    def make() -> Any:
        me = caller()
        number = next(serial)
        text = str((request.get_json(silent=True) or {}).get("text", ""))
        tasks[number] = {"task_id": number, "text": text, "owner": me}
        return jsonify(task_id=number, text=text), 201

    @web.get("/tasks/<int:number>")
    def read(number: int) -> Any:
        me = caller()
        found = tasks.get(number)
        if found is None or (checks_owner and found["owner"] != me):
            abort(404)
        return jsonify(task_id=number, text=found["text"])

    @web.delete("/tasks/<int:number>")
    def done(number: int) -> Any:
        if tasks.get(number, {}).get("owner") != caller():
            abort(404)
        del tasks[number]
        return "", 204

    return web


@pytest.mark.parametrize("checks_owner", [True, False], ids=["owner-checked", "careless"])
def test_an_unseen_object_of_ones_own_is_no_enumeration(
    serve: Callable[..., Any], checks_owner: bool
) -> None:
    """Owner-checked: bob is refused alice's task 1, so it is hers; careless: bob's is found."""
    server = serve(todo(checks_owner=checks_owner), wsgi=True)
    results = scan_app(server.url, IdEnumeration(), (key("alice", "user"), key("bob", "user")))
    found = [f for f in results.findings if f.check == "id_enumeration"]
    assert (found == []) is checks_owner, found


def test_a_read_the_contract_calls_public_is_not_counted(serve: Callable[..., Any]) -> None:
    """Called "A task's public page", the careless read is what it says: no finding (the
    Sanic trial's public profiles, a false high in every mode)."""
    public = copy.deepcopy(CONTRACT)
    public["paths"]["/tasks/{task_id}"]["get"]["summary"] = "A task's public page"
    server = serve(todo(checks_owner=False, contract=public), wsgi=True)
    results = scan_app(server.url, IdEnumeration(), (key("alice", "user"), key("bob", "user")))
    assert [f for f in results.findings if f.check == "id_enumeration"] == []
