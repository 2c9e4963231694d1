"""bfla: a lower role creating what the contract keeps from it, though it cannot read it.

The Go trial's ``POST /v1/drivers`` says "Dispatchers and admins only."; its customers
onboarded drivers all the same. The scan had two reasons to pass: a customer cannot read a
driver (so the driver looked like the dispatcher's own record, not a shared item), and
every driver holds its dispatcher's ``orgId`` (so it looked like one naming its maker). A
tenant's id that colleagues share names no maker, and a creation the contract keeps from
the role in words needs no read by that role. Nor is a dispatcher, whom the sentence names,
ever the lower identity there (the scan had called a dispatcher onboarding a driver high).
A Flask fleet API; the twin checks the role.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask, request
from flask.typing import ResponseReturnValue
from ownership_support import scan_app

from apiward.core.findings import Severity
from apiward.scan import Identity
from apiward.scan.checks.bfla import Bfla

ACME, GLOBEX = str(uuid.UUID(int=0xA0)), str(uuid.UUID(int=0xB0))
USERS = {
    "Bearer fl-rosa": {"id": "u-rosa", "role": "admin", "orgId": None},
    "Bearer fl-dana": {"id": "u-dana", "role": "dispatcher", "orgId": ACME},
    "Bearer fl-gustav": {"id": "u-gustav", "role": "dispatcher", "orgId": GLOBEX},
    "Bearer fl-carla": {"id": "u-carla", "role": "customer", "orgId": ACME},
}
DRIVER = {
    "type": "object",
    "required": ["name", "licenceNumber"],
    "properties": {"name": {"type": "string"}, "licenceNumber": {"type": "string"}},
}
SPEC: dict[str, Any] = {
    "swagger": "2.0",
    "info": {"title": "fleetline", "version": "1.0"},
    "basePath": "/v1",
    "securityDefinitions": {"Bearer": {"type": "apiKey", "name": "Authorization", "in": "header"}},
    "security": [{"Bearer": []}],
    "paths": {
        "/me": {"get": {"summary": "The caller", "responses": {"200": {"description": "OK"}}}},
        "/drivers": {
            "get": {"summary": "Drivers of my organisation", "responses": {"200": {"description": "OK"}}},
            "post": {"summary": "Onboard a driver", "description": "Dispatchers and admins only.",
                     "parameters": [{"name": "body", "in": "body", "required": True, "schema": DRIVER}],
                     "responses": {"201": {"description": "Created"}, "403": {"description": "Forbidden"}}},
        },
        "/drivers/{driverId}": {
            "get": {"parameters": [{"name": "driverId", "in": "path", "required": True, "type": "string"}],
                    "responses": {"200": {"description": "OK"}, "403": {"description": "Forbidden"}}},
            "delete": {"parameters": [{"name": "driverId", "in": "path", "required": True, "type": "string"}],
                       "responses": {"204": {"description": "No Content"}}},
        },
    },
}  # fmt: skip


class Fleet:
    def __init__(self, *, checks_role: bool) -> None:
        self.checks_role = checks_role
        self.drivers: dict[str, dict[str, Any]] = {}
        self._n = itertools.count(1)
        self.app = Flask("fleet")
        self.app.add_url_rule("/openapi.json", "spec", lambda: SPEC)
        self.app.add_url_rule("/v1/me", "me", self.me)
        self.app.add_url_rule("/v1/drivers", "list", self.listing)
        self.app.add_url_rule("/v1/drivers", "onboard", self.onboard, methods=["POST"])
        for method in ("GET", "DELETE"):
            self.app.add_url_rule(
                "/v1/drivers/<did>", f"driver_{method}", self.driver, methods=[method]
            )

    def _user(self) -> dict[str, Any] | None:
        return USERS.get(request.headers.get("Authorization", ""))

    def _staff(self, user: dict[str, Any]) -> bool:
        return bool(user["role"] in {"admin", "dispatcher"})

    def me(self) -> ResponseReturnValue:
        user = self._user()
        return user if user else ({"error": "unauthorized"}, 401)

    def listing(self) -> ResponseReturnValue:
        user = self._user()
        if user is None:
            return {"error": "unauthorized"}, 401
        if not self._staff(user):
            return {"error": "forbidden"}, 403
        org = user["orgId"]
        return {"items": [d for d in self.drivers.values() if org in (None, d["orgId"])]}

    def onboard(self) -> ResponseReturnValue:
        user, body = self._user(), request.get_json(silent=True) or {}
        if user is None:
            return {"error": "unauthorized"}, 401
        if self.checks_role and not self._staff(user):
            return {"error": "forbidden"}, 403
        if not all(isinstance(body.get(k), str) for k in ("name", "licenceNumber")):
            return {"error": "name and licenceNumber are required"}, 400
        driver = {"id": str(uuid.UUID(int=next(self._n))), "orgId": user["orgId"] or ACME,
                  "name": body["name"], "licenceNumber": body["licenceNumber"]}  # fmt: skip
        self.drivers[driver["id"]] = driver
        return driver, 201, {"Location": f"/v1/drivers/{driver['id']}"}

    def driver(self, did: str) -> ResponseReturnValue:
        user, found = self._user(), self.drivers.get(did)
        if user is None:
            return {"error": "unauthorized"}, 401
        if not self._staff(user):
            return {"error": "forbidden"}, 403
        if found is None or user["orgId"] not in (None, found["orgId"]):
            return "404 page not found\n", 404, {"Content-Type": "text/plain"}
        if request.method == "DELETE":
            del self.drivers[did]
            return "", 204
        return found


@pytest.mark.parametrize("checks_role", [False, True], ids=["flawed", "fixed"])
def test_a_customer_onboarding_a_driver_is_found(
    serve: Callable[..., Any], checks_role: bool
) -> None:
    """High in the flawed app (the contract keeps it from customers); nothing in the twin;
    every driver the scan onboarded is gone."""
    fleet = Fleet(checks_role=checks_role)
    server = serve(fleet.app, wsgi=True)
    ranks = {"rosa": 10, "dana": 5, "gustav": 5, "carla": 1}
    roles = {"rosa": "admin", "dana": "dispatcher", "gustav": "dispatcher", "carla": "customer"}
    people = tuple(
        Identity(name=n, role=roles[n], rank=r, headers={"Authorization": f"Bearer fl-{n}"})
        for n, r in ranks.items()
    )
    results = scan_app(server.url, Bfla(), people)
    assert results.errors == []
    assert fleet.drivers == {}
    found = [f for f in results.findings if f.operation == "POST /drivers"]
    if checks_role:
        assert found == []
        return
    assert [(f.severity, f.title.split(" ", 1)[0]) for f in found] == [(Severity.HIGH, "carla")]
