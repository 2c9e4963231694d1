"""negative_amount: a shipment's addressee is no payee, so a negative declared value pays no one.

The Go trial's ``POST /shipments`` names where a parcel goes (``recipientName``,
``recipientPhone``, ``recipientAddress``) beside its insured ``declaredValue``. The scan
wrote a peer's name there, sent a negative value, and reported "reverses the direction of
the operation", high, with a target-state row "carla paid gil", though nothing was paid.
A Flask courier API that accepts the negative value the contract forbids (``minimum: 0``);
no identity's own record holds a phone to write as the "payee", so the old scan sent no
probe at all. Now the addressee is no payee: the negative value is a finding, graded as a
value that moves nothing, and no one is said to have paid.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from flask import Flask, request
from flask.typing import ResponseReturnValue
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - {name: carla, role: customer, headers: {X-API-Key: ck_carla_51f0}}
  - {name: gil, role: customer, headers: {X-API-Key: ck_gil_77d2}}
"""
KEYS = {"ck_carla_51f0": "carla", "ck_gil_77d2": "gil"}
SHIPMENT = {
    "type": "object",
    "required": ["recipientName", "recipientAddress"],
    "properties": {
        "recipientName": {"type": "string"},
        "recipientPhone": {"type": "string"},
        "recipientAddress": {"type": "string"},
        "declaredValue": {"type": "number", "minimum": 0, "description": "insured value, EUR"},
    },
}
SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "courier", "version": "1"},
    "components": {"securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}},
    "security": [{"key": []}],
    "paths": {
        "/shipments": {
            "get": {"responses": {"200": {"description": "my shipments"}}},
            "post": {"requestBody": {"required": True, "content": {"application/json": {"schema": SHIPMENT}}},
                     "responses": {"201": {"description": "booked"}}},
        },
        "/shipments/{id}": {
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "delete": {"responses": {"204": {"description": "cancelled"}}},
        },
    },
}  # fmt: skip


class Courier:
    def __init__(self) -> None:
        self.shipments: dict[int, dict[str, Any]] = {}
        self._ids = itertools.count(1)
        self.app = Flask("courier")
        self.app.add_url_rule("/openapi.json", "spec", lambda: SPEC)
        self.app.add_url_rule("/shipments", "list", self.listing)
        self.app.add_url_rule("/shipments", "book", self.book, methods=["POST"])
        self.app.add_url_rule("/shipments/<int:id>", "cancel", self.cancel, methods=["DELETE"])

    def _who(self) -> str | None:
        return KEYS.get(request.headers.get("X-API-Key", ""))

    def listing(self) -> ResponseReturnValue:
        who = self._who()
        if who is None:
            return {"error": "invalid api key"}, 401
        return {"items": [s for s in self.shipments.values() if s["customer"] == who]}

    def book(self) -> ResponseReturnValue:
        who, body = self._who(), request.get_json(silent=True) or {}
        if who is None:
            return {"error": "invalid api key"}, 401
        if not all(isinstance(body.get(k), str) for k in ("recipientName", "recipientAddress")):
            return {"error": "recipientName and recipientAddress are required"}, 400
        value = body.get("declaredValue", 0)
        if not isinstance(value, int | float):
            return {"error": "declaredValue must be a number"}, 400
        shipment = {"id": next(self._ids), "customer": who, "declaredValue": value,
                    **{k: body.get(k) for k in ("recipientName", "recipientPhone", "recipientAddress")}}  # fmt: skip
        self.shipments[shipment["id"]] = shipment
        return shipment, 201

    def cancel(self, id: int) -> ResponseReturnValue:
        who, shipment = self._who(), self.shipments.get(id)
        if who is None:
            return {"error": "invalid api key"}, 401
        if shipment is None or shipment["customer"] != who:
            return {"error": "not found"}, 404
        del self.shipments[id]
        return "", 204


def test_a_negative_insured_value_pays_no_addressee(tmp_path: Path) -> None:
    """Found, but not as value moved between users: low, and no "paid" row."""
    courier = Courier()
    with serving(courier.app, wsgi=True) as url:
        done, report = scan_with_identities(
            url, IDENTITIES, tmp_path, "--checks", "negative_amount"
        )
    assert done.returncode in {0, 1}, done.stdout[-3000:] + done.stderr[-3000:]
    found = [f for f in report["findings"] if f["check"] == "negative_amount"]
    assert [(f["operation"], f["severity"]) for f in found] == [("POST /shipments", "low")]
    moved = [r for r in report["tables"]["target_state"] if r["what"] == "value moved"]
    assert moved == []
    assert courier.shipments == {}
