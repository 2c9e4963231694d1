"""A write to a seeded object leaves out an optional state field it would move.

The Go trial's ``PATCH /shipments/{trackingNumber}`` takes an optional ``status``; the
scan's write set it on a seeded shipment, which many APIs never take back (a paid
invoice, a delivered parcel), so the write was withheld and the cross-organisation BOLA
never tried. A Flask help desk with no way to open a ticket through the API: every write
lands on a seeded one. The flawed ``PATCH /tickets/{id}`` lets any agent edit any team's
ticket; the scan must leave ``status`` out, find the BOLA, and put every ticket back.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, request
from flask.typing import ResponseReturnValue
from tests.conftest import scan_with_identities

from serving import serving

AGENTS = {"Token hd-ines": ("ines", "billing"), "Token hd-omar": ("omar", "shipping")}
IDENTITIES = """\
identities:
  - {name: ines, role: agent, headers: {Authorization: Token hd-ines}}
  - {name: omar, role: agent, headers: {Authorization: Token hd-omar}}
"""
SEEDED = {
    "101": {"id": 101, "team": "billing", "assignee": "ines", "title": "Refund not received",
            "priority": 2, "status": "in_progress"},
    "102": {"id": 102, "team": "billing", "assignee": "ines", "title": "Invoice address wrong",
            "priority": 3, "status": "waiting"},
    "201": {"id": 201, "team": "shipping", "assignee": "omar", "title": "Parcel lost in Lyon",
            "priority": 1, "status": "in_progress"},
    "202": {"id": 202, "team": "shipping", "assignee": "omar", "title": "Wrong size delivered",
            "priority": 2, "status": "waiting"},
}  # fmt: skip
STATUSES = ["new", "in_progress", "waiting", "solved"]
SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "help desk", "version": "3.2.0"},
    "components": {"securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "Authorization"}}},
    "security": [{"token": []}],
    "paths": {
        "/tickets": {"get": {"summary": "My team's tickets", "responses": {"200": {"description": "ok"}}}},
        "/tickets/{id}": {
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "get": {"responses": {"200": {"description": "ok"}, "404": {"description": "no such ticket"}}},
            "patch": {
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object",
                    "properties": {
                        "title": {"type": "string"},
                        "priority": {"type": "integer", "minimum": 1, "maximum": 3},
                        "status": {"type": "string", "enum": STATUSES},
                    },
                }}}},
                "responses": {"200": {"description": "ok"}, "404": {"description": "no such ticket"}},
            },
        },
    },
}  # fmt: skip


class Desk:
    def __init__(self, *, checks_team: bool) -> None:
        self.checks_team = checks_team
        self.tickets = copy.deepcopy(SEEDED)
        self.app = Flask("desk")
        self.app.add_url_rule("/openapi.json", "spec", lambda: SPEC)
        self.app.add_url_rule("/tickets", "list", self.listing)
        self.app.add_url_rule("/tickets/<int:id>", "show", self.show)
        self.app.add_url_rule("/tickets/<int:id>", "edit", self.edit, methods=["PATCH"])

    def _agent(self) -> tuple[str, str] | None:
        return AGENTS.get(request.headers.get("Authorization", ""))

    def listing(self) -> ResponseReturnValue:
        agent = self._agent()
        if agent is None:
            return {"detail": "Invalid token."}, 401
        return [t for t in self.tickets.values() if t["team"] == agent[1]]

    def _ticket(self, id: int, *, check: bool) -> dict[str, Any] | None:
        agent, ticket = self._agent(), self.tickets.get(str(id))
        if agent is None or ticket is None or (check and ticket["team"] != agent[1]):
            return None
        return ticket

    def show(self, id: int) -> ResponseReturnValue:
        if self._agent() is None:
            return {"detail": "Invalid token."}, 401
        ticket = self._ticket(id, check=True)
        return ticket if ticket else ({"detail": "Not found."}, 404)

    def edit(self, id: int) -> ResponseReturnValue:
        if self._agent() is None:
            return {"detail": "Invalid token."}, 401
        ticket = self._ticket(id, check=self.checks_team)
        if ticket is None:
            return {"detail": "Not found."}, 404
        body = request.get_json(silent=True) or {}
        if "status" in body and body["status"] not in STATUSES:
            return {"status": ["Not a valid choice."]}, 400
        ticket.update({k: v for k, v in body.items() if k in {"title", "priority", "status"}})
        return ticket


@pytest.mark.parametrize("checks_team", [False, True], ids=["flawed", "fixed"])
def test_a_seeded_tickets_status_is_left_alone(tmp_path: Path, checks_team: bool) -> None:
    """The flawed desk's BOLA on PATCH is found; both desks end with every ticket as seeded."""
    desk = Desk(checks_team=checks_team)
    with serving(desk.app, wsgi=True) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "bola")
    assert done.returncode in {0, 1}, done.stdout[-3000:] + done.stderr[-3000:]
    assert desk.tickets == SEEDED
    found = [f for f in report["findings"] if f["operation"] == "PATCH /tickets/{id}"]
    assert [f["severity"] for f in found] == ([] if checks_team else ["high"]), report["skipped"]
