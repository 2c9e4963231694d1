"""mass_assignment on a creation: an optional privilege field honoured when an order is made.

A Flask shop written the way its authors write it: clerks and managers log in with a
password; ``POST /orders`` declares ``item`` and ``quantity`` (required), ``note`` and
``approved_by`` (optional: the contract was generated from the model). Only a manager's
``POST /orders/{id}/approve`` should approve. The flawed shop builds the order from the
whole body, so a clerk creates an order already approved by the manager (``approved_by``,
declared) or flagged ``approved`` (undeclared, shown on every order). One twin ignores
both, the other refuses them (422). Every order the scan makes is deleted afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask, jsonify, request
from ownership_support import scan_app

from apiward.core.findings import Confidence, Severity
from apiward.scan import Identity
from apiward.scan.checks.mass_assignment import MassAssignment
from apiward.scan.identities import Login

STAFF = {
    "cleo": {"id": 7, "username": "cleo", "role": "clerk", "password": "Cleo-pass-1"},
    "max": {"id": 9, "username": "max", "role": "manager", "password": "Max-pass-1"},
}
_ORDER = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "item": {"type": "string"},
        "quantity": {"type": "integer"},
        "note": {"type": "string"},
        "approved_by": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
        "approved": {"type": "boolean"},
        "owner_id": {"type": "integer"},
    },
}
_NEW = {
    "type": "object",
    "required": ["item", "quantity"],
    "properties": {
        "item": {"type": "string"},
        "quantity": {"type": "integer", "minimum": 1},
        "note": {"type": "string"},
        "approved_by": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
    },
}


_ME = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "username": {"type": "string"},
        "role": {"type": "string"},
    },
}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _contract() -> dict[str, Any]:
    order_id = [{"name": "order_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
    login = {
        "type": "object",
        "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "orders", "version": "0.3.0"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
            "/auth/login": {
                "post": {
                    "security": [],
                    "requestBody": _json(login),
                    "responses": {"200": {"description": "OK", **_json({"type": "object"})}},
                }
            },
            "/me": {"get": {"responses": {"200": {"description": "OK", **_json(_ME)}}}},
            "/orders": {
                "get": {
                    "responses": {
                        "200": {"description": "OK", **_json({"type": "array", "items": _ORDER})}
                    }
                },
                "post": {
                    "requestBody": _json(_NEW),
                    "responses": {"201": {"description": "Created", **_json(_ORDER)}},
                },
            },
            "/orders/{order_id}": {
                "parameters": order_id,
                "get": {"responses": {"200": {"description": "OK", **_json(_ORDER)}}},
                "delete": {"responses": {"204": {"description": "Deleted"}}},
            },
            "/orders/{order_id}/approve": {
                "parameters": order_id,
                "post": {"responses": {"200": {"description": "OK", **_json(_ORDER)}}},
            },
        },
    }


def shop(orders: dict[int, dict[str, Any]], *, mode: str) -> Flask:
    """The order desk; ``mode``: ``honours`` the body whole, ``ignores`` or ``refuses`` extras."""
    app = Flask("orders")
    bearers: dict[str, str] = {}

    def caller() -> dict[str, Any] | None:
        token = (request.headers.get("Authorization") or "").removeprefix("Bearer ")
        key = (request.headers.get("X-API-Key") or "").removeprefix("key-")
        name = bearers.get(token) or (key if key in STAFF else None)
        return STAFF[name] if name else None

    def visible(order: dict[str, Any], who: dict[str, Any]) -> bool:
        return who["role"] == "manager" or order["owner_id"] == who["id"]

    @app.get("/openapi.json")
    def spec() -> Any:
        return jsonify(_contract())

    @app.post("/auth/login")
    def login() -> Any:
        body = request.get_json(silent=True) or {}
        user = STAFF.get(str(body.get("username")))
        if user is None or user["password"] != body.get("password"):
            return jsonify(detail="Invalid credentials"), 401
        token = f"tok-{user['username']}-{len(bearers)}"
        bearers[token] = user["username"]
        shown = {k: user[k] for k in ("id", "username", "role")}
        return jsonify(access_token=token, token_type="bearer", user=shown)

    @app.get("/me")
    def me() -> Any:
        who = caller()
        if who is None:
            return jsonify(detail="Unauthorized"), 401
        return jsonify({k: who[k] for k in ("id", "username", "role")})

    @app.get("/orders")
    def listing() -> Any:
        who = caller()
        if who is None:
            return jsonify(detail="Unauthorized"), 401
        return jsonify([o for o in orders.values() if visible(o, who)])

    @app.post("/orders")
    def create() -> Any:
        who = caller()
        if who is None:
            return jsonify(detail="Unauthorized"), 401
        body = request.get_json(silent=True) or {}
        if not isinstance(body.get("item"), str) or not isinstance(body.get("quantity"), int):
            return jsonify(detail=[{"msg": "item and quantity are required"}]), 422
        extra = set(body) - {"item", "quantity", "note"}
        if mode == "refuses" and extra:
            return jsonify(detail=[{"msg": f"extra fields not permitted: {sorted(extra)}"}]), 422
        order = {"id": max(orders, default=0) + 1, "approved_by": None, "approved": False}
        order |= {"item": body["item"], "quantity": body["quantity"], "note": body.get("note", "")}
        if mode == "honours":
            order |= {k: body[k] for k in ("approved_by", "approved") if k in body}
        order["owner_id"] = who["id"]
        orders[order["id"]] = order
        return jsonify(order), 201

    @app.get("/orders/<int:order_id>")
    def read(order_id: int) -> Any:
        who = caller()
        order = orders.get(order_id)
        if who is None or order is None or not visible(order, who):
            return jsonify(detail="Not Found"), 404
        return jsonify(order)

    @app.delete("/orders/<int:order_id>")
    def remove(order_id: int) -> Any:
        who = caller()
        order = orders.get(order_id)
        if who is None or order is None or not visible(order, who):
            return jsonify(detail="Not Found"), 404
        del orders[order_id]
        return "", 204

    @app.post("/orders/<int:order_id>/approve")
    def approve(order_id: int) -> Any:
        who = caller()
        order = orders.get(order_id)
        if who is None or order is None or who["role"] != "manager":
            return jsonify(detail="Forbidden"), 403
        order |= {"approved_by": who["id"], "approved": True}
        return jsonify(order)

    return app


def _staff(how: str) -> tuple[Identity, ...]:
    """The clerk and the manager, logging in with a password or sending a fixed API key."""

    def login(name: str) -> dict[str, Any]:
        if how == "keys":
            return {"headers": {"X-API-Key": f"key-{name}"}}
        body = {"username": name, "password": STAFF[name]["password"]}
        return {"login": Login(method="POST", path="/auth/login", body=body)}

    return (
        Identity(name="cleo", role="clerk", rank=1, **login("cleo")),
        Identity(name="max", role="manager", rank=2, **login("max")),
    )


def _seed() -> dict[int, dict[str, Any]]:
    first = {"id": 1, "item": "paper", "quantity": 5, "note": "", "owner_id": 7}
    return {1: {**first, "approved_by": None, "approved": False}}  # no approver shown anywhere


@pytest.mark.parametrize("how", ["login", "keys"])
@pytest.mark.parametrize("mode", ["honours", "ignores", "refuses"])
def test_a_privilege_field_honoured_on_creation_is_found(
    serve: Callable[..., Any], mode: str, how: str
) -> None:
    """A clerk's order made approved: found on POST /orders; twins: nothing; nothing left behind.

    The manager's id comes from her login answer, or from GET /me for a fixed API key.
    """
    orders = _seed()
    server = serve(shop(orders, mode=mode), wsgi=True)
    results = scan_app(server.url, MassAssignment(), _staff(how))
    assert results.errors == []
    assert orders == _seed()  # every order the scan made is gone, the seeded one untouched
    loud = {f.key: f for f in results.findings if f.severity >= Severity.MEDIUM}
    if mode != "honours":
        assert loud == {}
        return
    assert set(loud) == {"body:approved_by", "body:approved"}
    declared, undeclared = loud["body:approved_by"], loud["body:approved"]
    assert {declared.operation, undeclared.operation} == {"POST /orders"}
    assert (declared.severity, declared.confidence) == (Severity.MEDIUM, Confidence.FIRM)
    assert "cleo" in declared.title
    assert "approved_by=9" in declared.detail  # the manager's own id: her approval forged
    assert (undeclared.severity, undeclared.confidence) == (Severity.HIGH, Confidence.CONFIRMED)
