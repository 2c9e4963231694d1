"""bfla in a warehouse: a catalogue every role fills, owners' actions, and a manager's approval.

A purchasing API in Flask with a contract written the way Django Ninja writes one
(summaries from function names, ``{"detail": ...}`` errors, a bare "Forbidden" 403).
Two clerks and a manager. Any clerk may add a supplier to the shared catalogue
(``POST /api/suppliers``), as the manager may; only the manager removes one. Clerks
place orders and cancel their own (``POST /api/orders/{order_id}/cancel``); only the
manager approves an order (``POST /api/orders/{order_id}/approve``). The flawed API lets
a clerk approve her own order; its twin does not.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest
from flask import Flask, jsonify, request

from apiward.core.findings import Severity
from apiward.scan import Identity, Results, ScanConfig, scan
from apiward.scan.checks import builtin_checks
from apiward.scan.checks._actions import decision
from apiward.spec import Operation, load
from serving import serving

TOKENS = {"tk-ann": ("ann", "clerk"), "tk-cy": ("cy", "clerk"), "tk-max": ("max", "manager")}
SUPPLIER = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
}
ORDER = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "supplier_id": {"type": "integer"},
        "quantity": {"type": "integer"},
        "status": {"type": "string"},
        "clerk": {"type": "string"},
    },
}
FORBIDDEN = {"description": "Forbidden"}


def _ok(schema: dict[str, Any], status: str = "200") -> dict[str, Any]:
    return {status: {"description": "OK", "content": {"application/json": {"schema": schema}}}}


def _body(*names: str) -> dict[str, Any]:
    props = {n: ({"type": "string"} if n == "name" else {"type": "integer"}) for n in names}
    schema = {"type": "object", "properties": props, "required": list(names)}
    return {"content": {"application/json": {"schema": schema}}, "required": True}


def _id(name: str) -> list[dict[str, Any]]:
    return [{"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}]


def _action(verb: str) -> dict[str, Any]:
    return {
        "parameters": _id("order_id"),
        "post": {
            "summary": f"{verb.title()} Order",
            "operationId": f"api_{verb}_order",
            "responses": {**_ok(ORDER), "403": FORBIDDEN},
        },
    }


CONTRACT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Warehouse API", "version": "1.0.0"},
    "components": {"securitySchemes": {"AuthBearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"AuthBearer": []}],
    "paths": {
        "/api/suppliers": {
            "get": {
                "summary": "List Suppliers",
                "responses": _ok({"type": "array", "items": SUPPLIER}),
            },
            "post": {
                "summary": "Create Supplier",
                "requestBody": _body("name"),
                "responses": _ok(SUPPLIER, "201"),
            },
        },
        "/api/suppliers/{supplier_id}": {
            "parameters": _id("supplier_id"),
            "get": {"summary": "Get Supplier", "responses": _ok(SUPPLIER)},
            "delete": {
                "summary": "Delete Supplier",
                "responses": {"204": {"description": "No Content"}, "403": FORBIDDEN},
            },
        },
        "/api/orders": {
            "get": {"summary": "List Orders", "responses": _ok({"type": "array", "items": ORDER})},
            "post": {
                "summary": "Create Order",
                "requestBody": _body("supplier_id", "quantity"),
                "responses": _ok(ORDER, "201"),
            },
        },
        "/api/orders/{order_id}": {
            "parameters": _id("order_id"),
            "get": {"summary": "Get Order", "responses": {**_ok(ORDER), "403": FORBIDDEN}},
        },
        "/api/orders/{order_id}/cancel": _action("cancel"),
        "/api/orders/{order_id}/approve": _action("approve"),
    },
}


def warehouse(*, clerks_approve: bool) -> Flask:
    """The API; ``clerks_approve`` lets a clerk approve her own orders (the planted flaw)."""
    app = Flask(__name__)
    suppliers = {1: {"id": 1, "name": "Acme Bolts"}, 2: {"id": 2, "name": "Nordic Timber"}}
    orders: dict[int, dict[str, Any]] = {
        10: {"id": 10, "supplier_id": 1, "quantity": 5, "status": "pending", "clerk": "ann"},
        11: {"id": 11, "supplier_id": 2, "quantity": 9, "status": "pending", "clerk": "cy"},
    }
    serial = itertools.count(100)

    def caller() -> tuple[str, str] | None:
        return TOKENS.get(request.headers.get("Authorization", "").removeprefix("Bearer "))

    def refused(status: int, detail: str) -> Any:
        return jsonify(detail=detail), status

    @app.before_request
    def authenticate() -> Any:
        if request.path != "/api/openapi.json" and caller() is None:
            return refused(401, "Unauthorized")
        return None

    @app.get("/api/openapi.json")
    def contract() -> Any:
        return jsonify(CONTRACT)

    @app.route("/api/suppliers", methods=["GET", "POST"])
    def supplier_list() -> Any:
        if request.method == "GET":
            return jsonify(list(suppliers.values()))
        name = (request.get_json(silent=True) or {}).get("name")
        if not isinstance(name, str) or not name:
            return refused(422, "name is required")
        number = next(serial)
        suppliers[number] = {"id": number, "name": name}
        return jsonify(suppliers[number]), 201

    @app.route("/api/suppliers/<int:number>", methods=["GET", "DELETE"])
    def supplier(number: int) -> Any:
        if number not in suppliers:
            return refused(404, "Not Found")
        if request.method == "DELETE":
            if (caller() or ("", ""))[1] != "manager":
                return refused(403, "Forbidden")
            del suppliers[number]
            return "", 204
        return jsonify(suppliers[number])

    def order_of(number: int) -> dict[str, Any] | None:
        who, role = caller() or ("", "")
        found = orders.get(number)
        return found if found and (found["clerk"] == who or role == "manager") else None

    @app.route("/api/orders", methods=["GET", "POST"])
    def order_list() -> Any:
        who, role = caller() or ("", "")
        if request.method == "GET":
            return jsonify([o for o in orders.values() if role == "manager" or o["clerk"] == who])
        body = request.get_json(silent=True) or {}
        if body.get("supplier_id") not in suppliers or not isinstance(body.get("quantity"), int):
            return refused(422, "a known supplier_id and a quantity are required")
        number = next(serial)
        orders[number] = {
            "id": number,
            "supplier_id": body["supplier_id"],
            "quantity": body["quantity"],
            "status": "pending",
            "clerk": who,
        }
        return jsonify(orders[number]), 201

    @app.get("/api/orders/<int:number>")
    def order(number: int) -> Any:
        found = order_of(number)
        return jsonify(found) if found else refused(404, "Not Found")

    @app.post("/api/orders/<int:number>/cancel")
    def cancel(number: int) -> Any:
        found = order_of(number)
        if found is None:
            return refused(404, "Not Found")
        found["status"] = "cancelled"
        return jsonify(found)

    @app.post("/api/orders/<int:number>/approve")
    def approve(number: int) -> Any:
        found = order_of(number)
        if found is None:
            return refused(404, "Not Found")
        if (caller() or ("", ""))[1] != "manager" and not clerks_approve:
            return refused(403, "Forbidden")
        found["status"] = "approved"
        return jsonify(found)

    return app


def _scan(*, clerks_approve: bool) -> Results:
    identities = (
        Identity(name="ann", role="clerk", headers={"Authorization": "Bearer tk-ann"}),
        Identity(name="cy", role="clerk", headers={"Authorization": "Bearer tk-cy"}),
        Identity(name="max", role="manager", headers={"Authorization": "Bearer tk-max"}),
    )
    with serving(warehouse(clerks_approve=clerks_approve), wsgi=True) as url:
        api = load(f"{url}/api/openapi.json", allow_private=True)
        # --aggressive: an order is cancelled, never deleted, so a default scan places none.
        config = ScanConfig(target=url, identities=identities, checks=("bfla",), aggressive=True)
        return asyncio.run(scan(api, config, builtin_checks()))


@pytest.fixture(scope="module")
def flawed() -> Results:
    """The warehouse whose clerks approve their own orders, scanned with bfla alone."""
    return _scan(clerks_approve=True)


def _loud(results: Results, operation: str) -> list[str]:
    return [
        f"{f.severity} {f.title}: {f.detail}"
        for f in results.findings
        if f.operation == operation and f.severity >= Severity.MEDIUM
    ]


def test_a_clerk_adding_a_supplier_to_the_shared_catalogue_is_no_bfla(flawed: Results) -> None:
    """Every role adds suppliers and nothing says only the manager may: nothing above low."""
    assert flawed.errors == []
    assert _loud(flawed, "POST /api/suppliers") == []


def test_a_clerk_cancelling_her_own_order_is_no_bfla(flawed: Results) -> None:
    """A bare 403 on an owner's action is an owner check: cancelling one's own order is quiet."""
    assert _loud(flawed, "POST /api/orders/{order_id}/cancel") == []


def test_a_clerk_approving_her_own_order_is_found(flawed: Results) -> None:
    """The manager approves clerks' orders; a clerk approving her own is a medium+ bfla."""
    found = _loud(flawed, "POST /api/orders/{order_id}/approve")
    assert len(found) == 1, [f.title for f in flawed.findings]
    assert "'pending' to 'approved'" in found[0]


def test_nothing_on_the_twin_where_only_the_manager_approves() -> None:
    """Clerks refused on approving: no finding of medium or above anywhere."""
    results = _scan(clerks_approve=False)
    assert [f.title for f in results.findings if f.severity >= Severity.MEDIUM] == []


@pytest.mark.parametrize(
    ("path", "word"),
    [
        ("/api/orders/{order_id}/approve", "approve"),
        ("/expenses/{id}/reject/", "reject"),
        ("/v1/requests/{id}:decline", "decline"),
        ("/api/orders/{order_id}/cancel", None),
        ("/posts/{id}/publish", None),
        ("/approve/{id}", None),
    ],
    ids=["approve", "reject", "custom-method", "cancel", "publish", "not-last"],
)
def test_which_actions_are_decisions(path: str, word: str | None) -> None:
    """A decision is the action's last segment: approve, reject, decline; cancel and publish are not."""
    op = Operation(method="POST", path=path)
    assert decision(op) == word
