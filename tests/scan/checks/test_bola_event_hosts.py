"""An event's ``host`` owns it; reading an event every member lists is no BOLA.

The DRF trial's community events are "visible to every Deskhub member, whatever their
organisation", and "Only the host can edit the event." Its events show ``host: "alice"``:
no owner word, so every event was everyone's (listed alike), and the edit any member could
make (its F3) was never tried. A ``host`` now names whom the object is for. An event the
scan made after the harvest is no read leak either when the attacker's listing, read now,
shows all of it, nor one that id_enumeration counts its way to (the DRF trial's trap T5,
medium). Flask, DRF-style; the twin lets only the host edit.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import flask
import pytest
from tests.conftest import scan_with_identities

from serving import serving

TOKENS = {"Bearer dh-maria-3": "maria", "Bearer dh-mike-4": "mike", "Bearer dh-alice-5": "alice"}
IDENTITIES = """\
identities:
  - {name: maria, role: manager, headers: {Authorization: Bearer dh-maria-3}}
  - {name: mike, role: manager, headers: {Authorization: Bearer dh-mike-4}}
  - {name: alice, role: member, headers: {Authorization: Bearer dh-alice-5}}
"""
_EVENT = {
    "type": "object",
    "properties": {
        "id": {"type": "integer", "readOnly": True},
        "host": {"type": "string", "readOnly": True},
        "title": {"type": "string", "maxLength": 120},
        "capacity": {"type": "integer", "minimum": 1},
    },
}
_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
_ONE = {"200": {"description": "", "content": {"application/json": {"schema": _EVENT}}}}
_BODY = {"required": True, "content": {"application/json": {"schema": _EVENT}}}
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "Deskhub", "version": "1.0.0"},
    "components": {"securitySchemes": {"jwtAuth": {"type": "http", "scheme": "bearer"}}},
    "security": [{"jwtAuth": []}],
    "paths": {
        "/api/events/": {
            "get": {"description": "Community events are visible to every member, whatever "
                                   "their organisation.",
                    "responses": {"200": {"description": "", "content": {"application/json": {
                        "schema": {"type": "array", "items": _EVENT}}}}}},
            "post": {"requestBody": _BODY, "responses": {"201": {"description": ""}}},
        },
        "/api/events/{id}/": {
            "get": {"parameters": _ID, "responses": _ONE},
            "patch": {"description": "Only the host can edit the event.", "parameters": _ID,
                      "requestBody": _BODY, "responses": _ONE},
            "delete": {"description": "Only the host can delete the event.", "parameters": _ID,
                       "responses": {"204": {"description": ""}}},
        },
    },
}  # fmt: skip


class Events:
    """Events everyone lists; ``careless``: anyone edits any event."""

    def __init__(self, *, careless: bool) -> None:
        self.careless = careless
        self.serial = itertools.count(4)
        self.rows: dict[int, dict[str, Any]] = {
            1: {"id": 1, "host": "maria", "title": "Monday breakfast", "capacity": 60},
            2: {"id": 2, "host": "mike", "title": "Figma tips", "capacity": 8},
            3: {"id": 3, "host": "alice", "title": "Board games night", "capacity": 12},
        }
        self.app = self._app()

    def _app(self) -> flask.Flask:
        app = flask.Flask("deskhub")

        def caller() -> str:
            who = TOKENS.get(flask.request.headers.get("Authorization", ""))
            if who is None:
                flask.abort(flask.make_response({"detail": "Not authenticated."}, 401))
            return who

        @app.get("/openapi.json")
        def contract() -> Any:
            return CONTRACT

        @app.get("/api/events/")
        def listing() -> Any:
            caller()
            return list(self.rows.values())

        @app.post("/api/events/")
        def make() -> Any:
            me, body = caller(), flask.request.get_json(silent=True) or {}
            key = next(self.serial)
            self.rows[key] = {"id": key, "host": me, "title": str(body.get("title", "")),
                              "capacity": int(body.get("capacity") or 1)}  # fmt: skip
            return self.rows[key], 201

        @app.route("/api/events/<int:key>/", methods=["GET", "PATCH", "DELETE"])
        def one(key: int) -> Any:
            me, row = caller(), self.rows.get(key)
            if row is None:
                return {"detail": "Not found."}, 404
            if flask.request.method == "GET":
                return row
            if row["host"] != me and (flask.request.method == "DELETE" or not self.careless):
                return {"detail": "You do not have permission to perform this action."}, 403
            if flask.request.method == "DELETE":
                del self.rows[key]
                return "", 204
            body = flask.request.get_json(silent=True) or {}
            row.update({k: body[k] for k in ("title", "capacity") if k in body})
            return row

        return app


@pytest.mark.parametrize("careless", [True, False], ids=["careless", "twin"])
def test_an_event_edited_by_another_than_its_host(tmp_path: Path, careless: bool) -> None:
    """The careless build's edit is found; no read of an event is ever reported."""
    events = Events(careless=careless)
    seeded = {k: dict(v) for k, v in events.rows.items()}
    with serving(events.app, wsgi=True) as url:
        result, report = scan_with_identities(
            url, IDENTITIES, tmp_path, "--allow-private", "--checks", "bola,id_enumeration"
        )
    assert result.returncode in (0, 1), result.stderr
    found = sorted(
        (f["operation"], f["severity"]) for f in report["findings"] if f["check"] == "bola"
    )
    assert found == ([("PATCH /api/events/{id}/", "high")] if careless else [])
    counted = [f["title"] for f in report["findings"] if f["check"] == "id_enumeration"]
    assert counted == [], "events every member lists are no one's to count"
    assert events.rows == seeded
