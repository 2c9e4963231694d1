"""Rows the scan added to the caller's own history are listed, though its balance came back.

The Fastify trial's ``negative_amount`` topped alice up by 10 (its control) and by -10
(its probe): her balance ended where it began, and two rows stayed in the history that
``GET /v2/me/credits`` shows her. The report said "left as found". Each identity's reads
under ``/me`` are now kept from the harvest, and a list that grew since is *left*.

A Flask credits desk; the top-up writes a history row whatever it is sent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, request
from flask.typing import ResponseReturnValue
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - {name: alice, role: member, headers: {Authorization: Bearer cr-alice-1}}
"""
SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "credits", "version": "2.0.0"},
    "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearerAuth": []}],
    "paths": {
        "/v2/me/credits": {
            "get": {
                "summary": "My credit balance and history",
                "responses": {"200": {"description": "ok"}},
            }
        },
        "/v2/me/credits/topup": {
            "post": {
                "summary": "Buy credits",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["amount"],
                                "properties": {"amount": {"type": "integer"}},
                            }
                        }
                    },
                },
                "responses": {"200": {"description": "the new balance"}},
            }
        },
    },
}


class Desk:
    """alice's balance and history; a top-up of any amount adds a row."""

    def __init__(self) -> None:
        self.balance = 240
        self.history: list[dict[str, Any]] = [{"id": 1, "amount": 240, "reason": "welcome"}]
        self.app = Flask("credits")
        self.app.add_url_rule("/openapi.json", "spec", lambda: SPEC)
        self.app.add_url_rule("/v2/me/credits", "credits", self.credits)
        self.app.add_url_rule("/v2/me/credits/topup", "topup", self.topup, methods=["POST"])

    def _refused(self) -> ResponseReturnValue | None:
        if request.headers.get("Authorization") != "Bearer cr-alice-1":
            return {"statusCode": 401, "error": "Unauthorized", "message": "No token"}, 401
        return None

    def credits(self) -> ResponseReturnValue:
        return self._refused() or {"balance": self.balance, "transactions": self.history}

    def topup(self) -> ResponseReturnValue:
        refused = self._refused()
        if refused is not None:
            return refused
        amount = (request.get_json(silent=True) or {}).get("amount")
        if not isinstance(amount, int):
            return {"statusCode": 400, "error": "Bad Request", "message": "amount"}, 400
        self.balance += amount
        self.history.append({"id": len(self.history) + 1, "amount": amount, "reason": "top-up"})
        return {"balance": self.balance}


def test_rows_added_to_ones_own_history_are_listed_left(tmp_path: Path) -> None:
    """The balance is back at 240; the history that grew is a *left* row, and no "as found"."""
    desk = Desk()
    with serving(desk.app, wsgi=True) as url:
        done, report = scan_with_identities(
            url, IDENTITIES, tmp_path, "--checks", "negative_amount"
        )
    assert done.returncode in {0, 1}, done.stdout[-3000:]
    assert desk.balance == 240
    assert len(desk.history) > 1, "the scan topped nothing up: nothing below could fail"
    rows = [r for r in report["tables"]["target_state"] if r["object"] == "/v2/me/credits"]
    assert [(r["state"], r["by"]) for r in rows] == [("left", "alice")], rows
    assert "transactions[]" in rows[0]["detail"]
    assert not any("left as found" in note for note in report["notes"]), report["notes"]
