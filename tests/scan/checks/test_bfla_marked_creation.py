"""A creation the contract gives to managers in words, made by a resident, is a BFLA.

The Koa trial's ``POST /buildings/{buildingId}/notices`` says "Managers only. Posts a
notice to every resident of the building." and lets anyone post (its F6). Every identity's
legitimate creation succeeded, so no role was refused and no signal told it from an open
operation: bfla judged the words for reads only. Flask, Koa-style answers
(``{"error": {"code", "message"}}``); the twin refuses everyone but managers and admins.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import flask
import pytest
from tests.conftest import scan_with_identities

from serving import serving

PEOPLE = {
    "Bearer kr-ada": {"id": 1, "role": "admin"},
    "Bearer kr-mia": {"id": 3, "role": "manager"},
    "Bearer kr-rita": {"id": 9, "role": "resident"},
    "Bearer kr-ron": {"id": 10, "role": "resident"},
}
IDENTITIES = """\
identities:
  - {name: ada, role: admin, headers: {Authorization: Bearer kr-ada}}
  - {name: mia, role: manager, headers: {Authorization: Bearer kr-mia}}
  - {name: rita, role: resident, headers: {Authorization: Bearer kr-rita}}
  - {name: ron, role: resident, headers: {Authorization: Bearer kr-ron}}
"""
_NOTICE = {"type": "object", "required": ["title", "body"], "properties": {
    "title": {"type": "string", "maxLength": 120}, "body": {"type": "string"}}}  # fmt: skip
_BUILDING = [{"name": "buildingId", "in": "path", "required": True,
              "schema": {"type": "integer"}}]  # fmt: skip
_NOTICE_ID = [{"name": "noticeId", "in": "path", "required": True,
               "schema": {"type": "integer"}}]  # fmt: skip
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "Keyring", "version": "1.4.2"},
    "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearerAuth": []}],
    "paths": {
        "/buildings": {"get": {"summary": "Buildings of the caller's agency",
                               "responses": {"200": {"description": "Buildings"}}}},
        "/buildings/{buildingId}/notices": {
            "get": {"summary": "Notices of a building", "parameters": _BUILDING,
                    "description": "Residents of the building and the agency's staff can "
                                   "read its notices.",
                    "responses": {"200": {"description": "Notices, newest first"}}},
            "post": {"summary": "Post a notice", "parameters": _BUILDING,
                     "description": "Managers only. Posts a notice to every resident of the "
                                    "building.",
                     "requestBody": {"required": True, "content": {
                         "application/json": {"schema": _NOTICE}}},
                     "responses": {"201": {"description": "Posted"},
                                   "403": {"description": "Forbidden"}}},
        },
        "/notices/{noticeId}": {
            "delete": {"summary": "Remove a notice", "parameters": _NOTICE_ID,
                       "description": "Admins and managers.",
                       "responses": {"204": {"description": "Removed"}}},
        },
    },
}  # fmt: skip


class Building:
    """One building's notices; ``careless``: anyone may post."""

    def __init__(self, *, careless: bool) -> None:
        self.careless = careless
        self.serial = itertools.count(5)
        self.notices: dict[int, dict[str, Any]] = {
            1: {"id": 1, "buildingId": 1, "authorId": 3, "title": "Water off Tuesday",
                "body": "From 9 to 12."},
        }  # fmt: skip
        self.app = self._app()

    def _app(self) -> flask.Flask:
        app = flask.Flask("keyring")

        def caller() -> dict[str, Any]:
            who = PEOPLE.get(flask.request.headers.get("Authorization", ""))
            if who is None:
                error = {"code": "UNAUTHENTICATED", "message": "Log in first"}
                flask.abort(flask.make_response({"error": error}, 401))
            return who

        def staff(who: dict[str, Any]) -> None:
            if who["role"] not in ("admin", "manager"):
                error = {"code": "FORBIDDEN", "message": "Requires role: admin or manager"}
                flask.abort(flask.make_response({"error": error}, 403))

        @app.get("/openapi.json")
        def contract() -> Any:
            return CONTRACT

        @app.get("/buildings")
        def buildings() -> Any:
            caller()
            return [{"id": 1, "name": "Harbor View", "address": "12 Quay Street"}]

        @app.get("/buildings/<int:building>/notices")
        def listing(building: int) -> Any:
            caller()
            return [n for n in self.notices.values() if n["buildingId"] == building]

        @app.post("/buildings/<int:building>/notices")
        def post(building: int) -> Any:
            who = caller()
            if not self.careless:
                staff(who)
            body = flask.request.get_json(silent=True) or {}
            key = next(self.serial)
            self.notices[key] = {"id": key, "buildingId": building, "authorId": who["id"],
                                 "title": str(body.get("title", "")),
                                 "body": str(body.get("body", ""))}  # fmt: skip
            return self.notices[key], 201

        @app.delete("/notices/<int:key>")
        def remove(key: int) -> Any:
            staff(caller())
            if self.notices.pop(key, None) is None:
                return {"error": {"code": "NOT_FOUND", "message": "No such notice"}}, 404
            return "", 204

        return app


@pytest.mark.parametrize("careless", [True, False], ids=["careless", "twin"])
def test_a_resident_posting_a_managers_notice(tmp_path: Path, careless: bool) -> None:
    """Found (medium) where a resident may post; nothing where only staff may; none stays."""
    building = Building(careless=careless)
    with serving(building.app, wsgi=True) as url:
        result, report = scan_with_identities(
            url, IDENTITIES, tmp_path, "--allow-private", "--checks", "bfla"
        )
    assert result.returncode in (0, 1), result.stderr
    found = [
        (f["severity"], f["title"]) for f in report["findings"]
        if f["operation"] == "POST /buildings/{buildingId}/notices"
    ]  # fmt: skip
    if careless:
        [(severity, title)] = found
        assert severity == "medium"
        assert title.startswith("rita (resident) reaches")
    else:
        assert found == []
    assert list(building.notices) == [1]
