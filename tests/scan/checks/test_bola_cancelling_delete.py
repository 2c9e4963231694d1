"""A DELETE that only cancels is still a BOLA when a peer's cancels another's booking.

The DRF trial's ``BookingViewSet.destroy`` sets ``status: cancelled`` and answers 204; it
loads the booking by id alone, so anyone cancels anyone's (its F2). bola's oracle was the
owner's read afterwards showing the object gone: a cancelled booking still reads, so the
attack was sent and nothing reported. Now the owner's read before and after are compared,
and a state moved to a done-away value (``confirmed → cancelled``) is the effect shown.
Flask, DRF-style answers; the twin cancels only the caller's own bookings (404 otherwise).
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import flask
import pytest
from tests.conftest import scan_with_identities

from serving import serving

TOKENS = {"Bearer dh-alice-5": "alice", "Bearer dh-bob-6": "bob"}
IDENTITIES = """\
identities:
  - {name: alice, role: member, headers: {Authorization: Bearer dh-alice-5}}
  - {name: bob, role: member, headers: {Authorization: Bearer dh-bob-6}}
"""
_BOOKING = {
    "type": "object",
    "properties": {
        "id": {"type": "integer", "readOnly": True},
        "title": {"type": "string", "maxLength": 120},
        "status": {"type": "string", "readOnly": True},
    },
}
_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "Deskhub", "version": "1.0.0"},
    "components": {"securitySchemes": {"jwtAuth": {"type": "http", "scheme": "bearer"}}},
    "security": [{"jwtAuth": []}],
    "paths": {
        "/api/bookings/": {
            "get": {"responses": {"200": {"description": "", "content": {"application/json": {
                "schema": {"type": "array", "items": _BOOKING}}}}}},
            "post": {"requestBody": {"required": True, "content": {"application/json": {
                "schema": _BOOKING}}}, "responses": {"201": {"description": ""}}},
        },
        "/api/bookings/{id}/": {
            "get": {"parameters": _ID, "responses": {"200": {"description": "", "content": {
                "application/json": {"schema": _BOOKING}}}}},
            "delete": {"description": "Cancel the booking. Only its owner can cancel it.",
                       "parameters": _ID, "responses": {"204": {"description": "cancelled"}}},
        },
    },
}  # fmt: skip


class Desk:
    """Bookings that a DELETE marks cancelled; ``careless`` lets anyone's be cancelled."""

    def __init__(self, *, careless: bool) -> None:
        self.careless = careless
        self.serial = itertools.count(3)
        self.rows: dict[int, dict[str, Any]] = {
            1: {"id": 1, "title": "Board meeting", "status": "confirmed", "owner": "alice"},
            2: {"id": 2, "title": "Interview", "status": "confirmed", "owner": "bob"},
        }
        self.app = self._app()

    def _shown(self, row: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in row.items() if k != "owner"}

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

        @app.get("/api/bookings/")
        def listing() -> Any:
            me = caller()
            return [self._shown(r) for r in self.rows.values() if r["owner"] == me]

        @app.post("/api/bookings/")
        def book() -> Any:
            me, body = caller(), flask.request.get_json(silent=True) or {}
            key = next(self.serial)
            self.rows[key] = {"id": key, "title": str(body.get("title", "")),
                              "status": "confirmed", "owner": me}  # fmt: skip
            return self._shown(self.rows[key]), 201

        @app.route("/api/bookings/<int:key>/", methods=["GET", "DELETE"])
        def one(key: int) -> Any:
            me, row = caller(), self.rows.get(key)
            if row is None or (
                row["owner"] != me and (flask.request.method == "GET" or not self.careless)
            ):
                return {"detail": "No Booking matches the given query."}, 404
            if flask.request.method == "DELETE":
                row["status"] = "cancelled"
                return "", 204
            return self._shown(row)

        return app


@pytest.mark.parametrize("careless", [True, False], ids=["careless", "twin"])
def test_a_peer_cancelling_a_booking_is_found(tmp_path: Path, careless: bool) -> None:
    """bob cancels alice's booking in the careless build: high; the twin: nothing."""
    desk = Desk(careless=careless)
    with serving(desk.app, wsgi=True) as url:
        result, report = scan_with_identities(
            url, IDENTITIES, tmp_path, "--allow-private", "--checks", "bola"
        )
    assert result.returncode in (0, 1), result.stderr
    found = [
        (f["severity"], f["title"]) for f in report["findings"]
        if f["operation"] == "DELETE /api/bookings/{id}/"
    ]  # fmt: skip
    if careless:
        [(severity, title)] = found
        assert severity == "high"
        assert " cancels " in title
    else:
        assert found == []
    assert desk.rows[1]["status"] == desk.rows[2]["status"] == "confirmed"
