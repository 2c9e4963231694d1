"""Rows the scan added to the caller's own history are listed, though its balance came back.

The Fastify trial's ``negative_amount`` topped alice up by 10 (its control) and by -10
(its probe): her balance ended where it began, and two rows stayed in the history that
``GET /v2/me/credits`` shows her. The report said "left as found". Each identity's reads
under ``/me`` are now kept from the harvest, and a list that grew since is *left*. The hapi
trial's wallet was read at ``GET /api/wallet``, no ``me`` in its path: a secured read of one
thing with no id is the caller's own too; but not ``GET /activity-log``, which grows with
every request the scan sends (the Go trial's audit log had been listed four times as left).

A Flask credits desk; the top-up writes a history row whatever it is sent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask, request
from flask.typing import ResponseReturnValue
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - {name: alice, role: member, headers: {Authorization: Bearer cr-alice-1}}
"""


def spec(read: str) -> dict[str, Any]:
    """The desk's contract, its balance read at ``read`` and its top-up below it."""
    return {
        "openapi": "3.0.3",
        "info": {"title": "credits", "version": "2.0.0"},
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearerAuth": []}],
        "paths": {
            "/activity-log": {
                "get": {
                    "summary": "Every request, newest first",
                    "responses": {"200": {"description": "ok"}},
                }
            },
            read: {
                "get": {
                    "summary": "My credit balance and history",
                    "responses": {"200": {"description": "ok"}},
                }
            },
            f"{read}/topup": {
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

    def __init__(self, read: str) -> None:
        self.balance = 240
        self.history: list[dict[str, Any]] = [{"id": 1, "amount": 240, "reason": "welcome"}]
        self.app = Flask("credits")
        self.app.add_url_rule("/openapi.json", "spec", lambda: spec(read))
        self.app.add_url_rule(read, "credits", self.credits)
        self.app.add_url_rule("/activity-log", "audit", self.audit)
        self.events: list[str] = []
        self.app.before_request(lambda: self.events.append(request.path) and None)
        self.app.add_url_rule(f"{read}/topup", "topup", self.topup, methods=["POST"])

    def _refused(self) -> ResponseReturnValue | None:
        if request.headers.get("Authorization") != "Bearer cr-alice-1":
            return {"statusCode": 401, "error": "Unauthorized", "message": "No token"}, 401
        return None

    def credits(self) -> ResponseReturnValue:
        return self._refused() or {"balance": self.balance, "transactions": self.history}

    def audit(self) -> ResponseReturnValue:
        return self._refused() or {"count": len(self.events), "items": self.events[-50:]}

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


@pytest.mark.parametrize("read", ["/v2/me/credits", "/api/wallet"])
def test_rows_added_to_ones_own_history_are_listed_left(tmp_path: Path, read: str) -> None:
    """The balance is back at 240; the history that grew is a *left* row, and no "as found"."""
    desk = Desk(read)
    with serving(desk.app, wsgi=True) as url:
        done, report = scan_with_identities(
            url, IDENTITIES, tmp_path, "--checks", "negative_amount"
        )
    assert done.returncode in {0, 1}, done.stdout[-3000:]
    assert desk.balance == 240
    assert len(desk.history) > 1, "the scan topped nothing up: nothing below could fail"
    rows = [r for r in report["tables"]["target_state"] if r["object"] == read]
    assert [(r["state"], r["by"]) for r in rows] == [("left", "alice")], rows
    assert "transactions[]" in rows[0]["detail"]
    assert not any("left as found" in note for note in report["notes"]), report["notes"]
    audit = [r for r in report["tables"]["target_state"] if r["object"] == "/activity-log"]
    assert audit == []
