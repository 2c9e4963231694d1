"""The restore phase deletes what the scan made newest first: what refers to an object goes before it.

A purchasing service in Flask: suppliers and orders, each order naming its supplier. A
supplier still named by an order cannot be deleted (409), as a foreign key would have
it. The scan makes a supplier and then an order for it; the cleanup must delete the
order first, then the supplier, and leave both collections as seeded.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from typing import Any

from flask import Flask, abort, jsonify, request

from apiward.core.registry import Registry
from apiward.scan import Identity, ScanConfig, scan
from apiward.scan.check import AnyCheck, Outcome
from apiward.scan.context import Context
from apiward.scan.request import BodyKind, Request
from apiward.spec import load
from serving import serving

TOKENS = {"Bearer p-ann": "ann", "Bearer p-ben": "ben"}
IDENTITIES = (
    Identity(name="ann", role="buyer", headers={"Authorization": "Bearer p-ann"}),
    Identity(name="ben", role="buyer", headers={"Authorization": "Bearer p-ben"}),
)
SUPPLIER = {
    "type": "object",
    "properties": {
        "supplier_id": {"type": "integer", "readOnly": True},
        "name": {"type": "string", "maxLength": 60},
    },
}
ORDER = {
    "type": "object",
    "properties": {
        "order_id": {"type": "integer", "readOnly": True},
        "supplier_id": {"type": "integer"},
    },
}


def _collection(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    ok = {"description": "ok", "content": {"application/json": {"schema": schema}}}
    listing = {"type": "array", "items": schema}
    item = f"{name[:-1]}_id"
    return {
        f"/{name}": {
            "get": {
                "responses": {
                    "200": {
                        "description": "all",
                        "content": {"application/json": {"schema": listing}},
                    }
                }
            },
            "post": {
                "requestBody": {"content": {"application/json": {"schema": schema}}},
                "responses": {"201": ok},
            },
        },
        f"/{name}/{{{item}}}": {
            "parameters": [
                {"name": item, "in": "path", "required": True, "schema": {"type": "integer"}}
            ],
            "get": {"responses": {"200": ok}},
            "delete": {
                "responses": {"204": {"description": "gone"}, "409": {"description": "in use"}}
            },
        },
    }


CONTRACT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "purchasing", "version": "1"},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "paths": {**_collection("suppliers", SUPPLIER), **_collection("orders", ORDER)},
}


class Purchasing:
    """Suppliers (two seeded) and orders; a supplier an order names cannot go."""

    def __init__(self) -> None:
        self.suppliers = {
            1: {"supplier_id": 1, "name": "Acme"},
            2: {"supplier_id": 2, "name": "Brio"},
        }
        self.orders: dict[int, dict[str, Any]] = {}
        self.serial = itertools.count(3)

    def app(self) -> Flask:
        """The service as a WSGI app."""
        web = Flask("purchasing")

        @web.before_request
        def signed_in() -> None:
            if (
                request.path != "/openapi.json"
                and request.headers.get("Authorization") not in TOKENS
            ):
                abort(401)

        @web.get("/openapi.json")
        def contract() -> Any:
            return jsonify(CONTRACT)

        @web.get("/suppliers")
        def suppliers() -> Any:
            return jsonify(list(self.suppliers.values()))

        @web.post("/suppliers")
        def add_supplier() -> Any:
            number = next(self.serial)
            name = str((request.get_json(silent=True) or {}).get("name", ""))[:60]
            self.suppliers[number] = {"supplier_id": number, "name": name}
            return jsonify(self.suppliers[number]), 201

        @web.get("/suppliers/<int:number>")
        def supplier(number: int) -> Any:
            return jsonify(self.suppliers.get(number) or abort(404))

        @web.delete("/suppliers/<int:number>")
        def drop_supplier(number: int) -> Any:
            if number not in self.suppliers:
                abort(404)
            if any(o["supplier_id"] == number for o in self.orders.values()):
                return jsonify(error="supplier in use"), 409
            del self.suppliers[number]
            return "", 204

        @web.get("/orders")
        def orders() -> Any:
            return jsonify(list(self.orders.values()))

        @web.post("/orders")
        def add_order() -> Any:
            supplier = (request.get_json(silent=True) or {}).get("supplier_id")
            if supplier not in self.suppliers:
                return jsonify(error="no such supplier"), 422
            number = next(self.serial)
            self.orders[number] = {"order_id": number, "supplier_id": supplier}
            return jsonify(self.orders[number]), 201

        @web.get("/orders/<int:number>")
        def order(number: int) -> Any:
            return jsonify(self.orders.get(number) or abort(404))

        @web.delete("/orders/<int:number>")
        def drop_order(number: int) -> Any:
            self.orders.pop(number, None) or abort(404)
            return "", 204

        return web


class Purchases:
    """A check that makes a supplier, then an order for it, as ann."""

    id = "purchases"
    title = "a supplier and an order for it"
    owasp = "API3:2023"
    cwe = ""
    safe = True
    remediation = ""

    async def run_once(self, ctx: Context) -> AsyncIterator[Outcome]:
        """Create the supplier, read its id, and order from it."""
        ann = ctx.identities[0]
        made = await ctx.send(_post("/suppliers", {"name": "Apiward Supply"}), as_=ann, note="t")
        supplier = made.data["supplier_id"]
        await ctx.send(_post("/orders", {"supplier_id": supplier}), as_=ann, note="t")
        return
        yield


def _post(path: str, body: dict[str, Any]) -> Request:
    return Request(
        method="POST", path=path, operation=f"POST {path}", body=body, body_kind=BodyKind.JSON
    )


def test_an_order_goes_before_the_supplier_it_names() -> None:
    """Both collections end as seeded, and the target state says both were deleted."""
    service = Purchasing()
    with serving(service.app(), wsgi=True) as url:
        api = load(f"{url}/openapi.json", allow_private=True)
        registry = Registry[AnyCheck]("check", [("purchases", Purchases())])
        results = asyncio.run(scan(api, ScanConfig(target=url, identities=IDENTITIES), registry))
    assert service.orders == {}
    assert set(service.suppliers) == {1, 2}
    rows = [c for c in results.target_state if c.what.value == "object created"]
    assert rows
    assert all(c.state.value == "deleted" for c in rows), rows
