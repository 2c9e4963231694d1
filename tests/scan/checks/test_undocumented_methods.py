"""undocumented_methods on a Flask notes API whose routes serve more than its contract says.

The contract documents ``POST /notes`` (201 ``{"note_id": ...}``) and ``GET
/notes/{note_id}``. The vulnerable app's item route also serves ``DELETE`` for anyone,
and its collection a ``GET`` listing of every note; its twin serves only what is
documented (Flask answers the rest 405).
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue

from apiward.core.findings import Severity
from apiward.core.registry import Registry
from apiward.scan import Identity, Results, ScanConfig, scan
from apiward.scan.check import AnyCheck
from apiward.scan.checks.undocumented_methods import UndocumentedMethods
from apiward.spec import load
from serving import serving

TOKENS = {"Bearer n-ana": "ana", "Bearer n-ben": "ben"}
IDENTITIES = tuple(
    Identity(name=name, role="writer", headers={"Authorization": token})
    for token, name in TOKENS.items()
)
SEEDED = {1: {"note_id": 1, "owner": "ana", "text": "ana's first note"}}


def _contract() -> dict[str, Any]:
    note = {
        "type": "object",
        "properties": {"note_id": {"type": "integer"}, "text": {"type": "string"}},
    }
    item = {"name": "note_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    body = {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}
    answer = {"content": {"application/json": {"schema": note}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "notes", "version": "1"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
            "/notes": {
                "post": {
                    "requestBody": {"content": {"application/json": {"schema": body}}},
                    "responses": {"201": {"description": "made", **answer}},
                }
            },
            "/notes/{note_id}": {
                "get": {
                    "parameters": [item],
                    "responses": {"200": {"description": "the note", **answer}},
                }
            },
        },
    }


def _app(*, extra_methods: bool) -> tuple[Flask, dict[int, dict[str, Any]]]:
    app = Flask("notes")
    notes = {k: dict(v) for k, v in SEEDED.items()}
    ids = itertools.count(2)

    def who() -> str | None:
        return TOKENS.get(request.headers.get("Authorization", ""))

    @app.get("/openapi.json")
    def contract() -> ResponseReturnValue:
        return jsonify(_contract())

    collection = ["POST", "GET"] if extra_methods else ["POST"]

    @app.route("/notes", methods=collection)
    def notes_() -> ResponseReturnValue:
        if who() is None:
            return jsonify(error="unauthorized"), 401
        if request.method == "GET":
            return jsonify(list(notes.values()))
        note = {"note_id": next(ids), "owner": who(), "text": str(request.json["text"])}
        notes[note["note_id"]] = note
        return jsonify(note), 201

    item = ["GET", "DELETE"] if extra_methods else ["GET"]

    @app.route("/notes/<int:note_id>", methods=item)
    def note(note_id: int) -> ResponseReturnValue:
        found = notes.get(note_id)
        if who() is None:
            return jsonify(error="unauthorized"), 401
        if found is None or (request.method == "GET" and found["owner"] != who()):
            return jsonify(error="not found"), 404
        if request.method == "DELETE":
            del notes[note_id]
            return "", 204
        return jsonify(found)

    return app, notes


def _scan(app: Flask) -> Results:
    """--aggressive: the contract documents no DELETE of a note, so a default scan makes none."""
    with serving(app, wsgi=True) as url:
        api = load(f"{url}/openapi.json", allow_private=True)
        checks = Registry[AnyCheck]("check", [("undocumented_methods", UndocumentedMethods())])
        config = ScanConfig(target=url, identities=IDENTITIES, aggressive=True)
        return asyncio.run(scan(api, config, checks))


def test_an_undocumented_delete_anyone_may_send_is_found_on_the_scans_own_note() -> None:
    """ben deletes the note ana's harvest made, through DELETE nobody documented: high, CWE-285."""
    app, notes = _app(extra_methods=True)
    results = _scan(app)
    by_op = {f.operation: f for f in results.findings}
    delete = by_op["DELETE /notes/{note_id}"]
    assert (delete.severity, delete.cwe) == (Severity.HIGH, "CWE-285")
    assert by_op["GET /notes"].severity is Severity.LOW
    assert notes[1] == SEEDED[1]
    assert not results.damaged


def test_the_twin_serving_only_what_is_documented_gives_nothing() -> None:
    """Flask answers the undocumented methods 405: no finding, the seeded note untouched."""
    app, notes = _app(extra_methods=False)
    results = _scan(app)
    assert results.findings == []
    assert notes[1] == SEEDED[1]
