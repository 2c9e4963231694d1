"""bola on writes to records a dispatcher keeps for its organisation's customers.

The Go trial's dispatchers list their organisation's shipments, each naming the customer
it is for (``customerId``), and make new ones for those customers, naming a warehouse of
their own organisation as the origin. Every dispatcher's own legitimate ``PATCH`` named a
shipment that was a customer's, so it was never sent, and the cross-organisation
``PATCH`` (F2) was never tried; nor was a shipment made naming the organisation's
warehouse, which no one identity owns and not everyone sees. A Flask fleet API: the
flawed ``PATCH /shipments/{trackingNumber}`` lets any dispatcher change any
organisation's shipment; the twin checks the organisation.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask, request
from flask.typing import ResponseReturnValue
from ownership_support import scan_app

from apiward.core.findings import Severity
from apiward.scan import Identity
from apiward.scan.checks.bola import Bola

USERS = {
    "Bearer fl-dana": {"id": "u-dana", "role": "dispatcher", "orgId": "acme"},
    "Bearer fl-gustav": {"id": "u-gustav", "role": "dispatcher", "orgId": "globex"},
    "Bearer fl-carla": {"id": "u-carla", "role": "customer", "orgId": "acme"},
    "Bearer fl-gil": {"id": "u-gil", "role": "customer", "orgId": "globex"},
}
ACME_WH, GLOBEX_WH = "3f0c2a9e-8d1b-4c57-9a3e-2b7d41c6e815", "b52e7d10-4a6f-4e0b-8c29-91d3f7a0c6b4"
WAREHOUSES = {ACME_WH: "acme", GLOBEX_WH: "globex"}
SEEDED = {
    "SHP-2024-000123": {"trackingNumber": "SHP-2024-000123", "orgId": "acme",
                        "customerId": "u-carla", "originWarehouseId": ACME_WH,
                        "weightKg": 12, "status": "created"},
    "SHP-2024-000201": {"trackingNumber": "SHP-2024-000201", "orgId": "globex",
                        "customerId": "u-gil", "originWarehouseId": GLOBEX_WH,
                        "weightKg": 3, "status": "created"},
}  # fmt: skip


def _swagger() -> dict[str, Any]:
    tn = {"name": "trackingNumber", "in": "path", "required": True, "type": "string"}
    new = {
        "type": "object",
        "required": ["weightKg"],
        "properties": {
            "originWarehouseId": {"type": "string", "format": "uuid"},
            "recipientName": {"type": "string"},
            "weightKg": {"type": "integer", "minimum": 1},
        },
    }
    change = {"type": "object", "properties": {"weightKg": {"type": "integer", "minimum": 1}}}
    return {
        "swagger": "2.0",
        "info": {"title": "fleetline", "version": "1.0"},
        "basePath": "/v1",
        "securityDefinitions": {"Bearer": {"type": "apiKey", "name": "Authorization", "in": "header"}},
        "security": [{"Bearer": []}],
        "paths": {
            "/warehouses": {"get": {"summary": "Warehouses of my organisation", "responses": {"200": {"description": "OK"}}}},
            "/me": {"get": {"summary": "The caller", "responses": {"200": {"description": "OK"}}}},
            "/shipments": {
                "get": {"summary": "Shipments of my organisation", "responses": {"200": {"description": "OK"}}},
                "post": {"summary": "Create a shipment", "parameters": [{"name": "body", "in": "body", "required": True, "schema": new}],
                         "responses": {"201": {"description": "Created"}}},
            },
            "/shipments/{trackingNumber}": {
                "get": {"parameters": [tn], "responses": {"200": {"description": "OK"}, "404": {"description": "Not Found"}}},
                "patch": {"parameters": [tn, {"name": "body", "in": "body", "required": True, "schema": change}],
                          "responses": {"200": {"description": "OK"}, "404": {"description": "Not Found"}}},
                "delete": {"parameters": [tn], "responses": {"204": {"description": "No Content"}}},
            },
        },
    }  # fmt: skip


class Fleet:
    def __init__(self, *, checks_org: bool) -> None:
        self.checks_org = checks_org
        self.shipments = copy.deepcopy(SEEDED)
        self._numbers = itertools.count(700001)
        self.app = Flask("fleet")
        self.app.add_url_rule("/openapi.json", "spec", _swagger)
        self.app.add_url_rule("/v1/warehouses", "warehouses", self.warehouses)
        self.app.add_url_rule("/v1/me", "me", self.me)
        self.app.add_url_rule("/v1/shipments", "list", self.listing)
        self.app.add_url_rule("/v1/shipments", "create", self.create, methods=["POST"])
        for method in ("GET", "PATCH", "DELETE"):
            self.app.add_url_rule(
                "/v1/shipments/<tn>", f"item_{method}", self.item, methods=[method]
            )

    def _user(self) -> dict[str, Any] | None:
        return USERS.get(request.headers.get("Authorization", ""))

    def warehouses(self) -> ResponseReturnValue:
        user = self._user()
        if user is None:
            return {"error": "unauthorized"}, 401
        return {
            "items": [{"id": w, "orgId": o} for w, o in WAREHOUSES.items() if o == user["orgId"]]
        }

    def me(self) -> ResponseReturnValue:
        user = self._user()
        return user if user else ({"error": "unauthorized"}, 401)

    def _sees(self, user: dict[str, Any], shipment: dict[str, Any]) -> bool:
        if user["role"] == "customer":
            return bool(shipment["customerId"] == user["id"])
        return bool(shipment["orgId"] == user["orgId"])

    def listing(self) -> ResponseReturnValue:
        user = self._user()
        if user is None:
            return {"error": "unauthorized"}, 401
        mine = [s for s in self.shipments.values() if self._sees(user, s)]
        return {"items": mine, "nextCursor": None}

    def create(self) -> ResponseReturnValue:
        user, body = self._user(), request.get_json(silent=True) or {}
        if user is None:
            return {"error": "unauthorized"}, 401
        org = user["orgId"]
        default = next(w for w, o in WAREHOUSES.items() if o == org)
        origin = body.get("originWarehouseId", default)
        if WAREHOUSES.get(origin) != org:
            return {"error": "unknown warehouse"}, 400
        if not isinstance(body.get("weightKg"), int) or body["weightKg"] < 1:
            return {"error": "weightKg must be a positive integer"}, 400
        tn = f"SHP-2026-{next(self._numbers)}"
        customer = user["id"] if user["role"] == "customer" else None
        new = {"trackingNumber": tn, "orgId": org, "customerId": customer,
               "originWarehouseId": origin, "weightKg": body["weightKg"], "status": "created"}  # fmt: skip
        self.shipments[tn] = new
        return new, 201, {"Location": f"/v1/shipments/{tn}"}

    def item(self, tn: str) -> ResponseReturnValue:
        user, found = self._user(), self.shipments.get(tn)
        if user is None:
            return {"error": "unauthorized"}, 401
        checked = request.method != "PATCH" or self.checks_org
        if found is None or (checked and not self._sees(user, found)):
            return "404 page not found\n", 404, {"Content-Type": "text/plain"}
        if request.method == "DELETE":
            del self.shipments[tn]
            return "", 204
        if request.method == "PATCH":
            weight = (request.get_json(silent=True) or {}).get("weightKg")
            if not isinstance(weight, int) or weight < 1:
                return {"error": "weightKg must be a positive integer"}, 400
            found["weightKg"] = weight
        return found


@pytest.mark.parametrize("checks_org", [False, True], ids=["flawed", "fixed"])
def test_a_dispatcher_changing_another_organisations_shipment_is_found(
    serve: Callable[..., Any], checks_org: bool
) -> None:
    """Each dispatcher's own PATCH goes to a shipment it makes for a customer of its own:
    gustav changing dana's is high in the flawed app, nothing in the twin; the seeded
    shipments are as they were."""
    fleet = Fleet(checks_org=checks_org)
    server = serve(fleet.app, wsgi=True)
    roles = {"dana": "dispatcher", "gustav": "dispatcher", "carla": "customer", "gil": "customer"}
    people = tuple(
        Identity(name=n, role=r, headers={"Authorization": f"Bearer fl-{n}"})
        for n, r in roles.items()
    )
    results = scan_app(server.url, Bola(), people)
    assert results.errors == []
    assert fleet.shipments == SEEDED
    patches = [f for f in results.findings if f.operation == "PATCH /shipments/{trackingNumber}"]
    if checks_org:
        assert patches == []
        return
    assert Severity.HIGH in {f.severity for f in patches}, results.skipped
