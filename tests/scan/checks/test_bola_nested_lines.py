"""bola on objects that only a nested listing shows: an order's lines.

A warehouse API written with Falcon, the way a Django Ninja one answers
(``{"detail": "Not Found"}``, bearer tokens): a clerk lists its own orders
(``GET /api/orders``), reads one, lists its lines (``GET /api/orders/{order_id}/lines``)
and reads a line (``GET /api/orders/{order_id}/lines/{line_id}``). No top-level listing
names a line, so the scan learns of them only by listing each clerk's orders' lines.

The flawed twin answers a line of any order (it checks the line is the order's, not
whose order it is); the scan must find it without being given an id (no ``--value``).
The fixed twin checks the owner: nothing of medium or above.
"""

from __future__ import annotations

import json
from typing import Any

import falcon
from ownership_support import scan_app

from apiward.core.findings import Severity
from apiward.scan import Identity, Results
from apiward.scan.checks.bola import Bola
from serving import serving

CLERKS = {"Bearer wh-ines": "ines", "Bearer wh-omar": "omar"}
IDENTITIES = tuple(
    Identity(name=name, role="clerk", headers={"Authorization": token})
    for token, name in CLERKS.items()
)
LINE = "GET /api/orders/{order_id}/lines/{line_id}"
ORDERS = {
    101: {"reference": "SO-2026-0101", "customer": "ines", "status": "packed"},
    102: {"reference": "SO-2026-0102", "customer": "omar", "status": "open"},
    103: {"reference": "SO-2026-0103", "customer": "ines", "status": "open"},
}
LINES = {
    5001: {"order": 101, "sku": "BOLT-M6-40", "quantity": 400, "unit_price": "0.12"},
    5002: {"order": 101, "sku": "NUT-M6", "quantity": 400, "unit_price": "0.05"},
    5003: {"order": 102, "sku": "HINGE-ST-80", "quantity": 12, "unit_price": "3.90"},
    5004: {"order": 103, "sku": "WASHER-M8", "quantity": 1000, "unit_price": "0.02"},
}


def warehouse_app(*, flawed: bool) -> falcon.App:
    """The warehouse API; ``flawed`` reads any order's line."""

    def caller(req: falcon.Request) -> str:
        who = CLERKS.get(req.get_header("Authorization") or "")
        if who is None:
            raise falcon.HTTPUnauthorized()
        return who

    def owned(req: falcon.Request, order_id: int) -> dict[str, Any]:
        order = ORDERS.get(order_id)
        if order is None or order["customer"] != caller(req):
            raise falcon.HTTPNotFound()
        return {"id": order_id, **order}

    def line(line_id: int) -> dict[str, Any]:
        found = LINES[line_id]
        return {
            "id": line_id,
            "order_id": found["order"],
            **{k: v for k, v in found.items() if k != "order"},
        }

    class Contract:
        def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
            resp.text = json.dumps(_contract())

    class Orders:
        def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
            who = caller(req)
            resp.media = [{"id": i, **o} for i, o in ORDERS.items() if o["customer"] == who]

    class Order:
        def on_get(self, req: falcon.Request, resp: falcon.Response, order_id: int) -> None:
            resp.media = owned(req, order_id)

    class Lines:
        def on_get(self, req: falcon.Request, resp: falcon.Response, order_id: int) -> None:
            owned(req, order_id)
            resp.media = [line(i) for i, found in LINES.items() if found["order"] == order_id]

    class Line:
        def on_get(
            self, req: falcon.Request, resp: falcon.Response, order_id: int, line_id: int
        ) -> None:
            if flawed:
                caller(req)
            else:
                owned(req, order_id)
            found = LINES.get(line_id)
            if found is None or found["order"] != order_id:
                raise falcon.HTTPNotFound()
            resp.media = line(line_id)

    def not_found(req: falcon.Request, resp: falcon.Response, ex: Exception, params: Any) -> None:
        status = ex.status if isinstance(ex, falcon.HTTPError) else falcon.HTTP_500
        resp.status = status
        resp.media = {"detail": "Not Found" if "404" in str(status) else "Unauthorized"}

    app = falcon.App()
    app.add_error_handler(falcon.HTTPError, not_found)
    app.add_route("/openapi.json", Contract())
    app.add_route("/api/orders", Orders())
    app.add_route("/api/orders/{order_id:int}", Order())
    app.add_route("/api/orders/{order_id:int}/lines", Lines())
    app.add_route("/api/orders/{order_id:int}/lines/{line_id:int}", Line())
    return app


def _contract() -> dict[str, Any]:
    def ident(name: str) -> dict[str, Any]:
        return {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"title": name, "type": "integer"},
        }

    order = {
        "title": "OrderOut",
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "reference": {"type": "string"},
            "customer": {"type": "string"},
            "status": {"type": "string"},
        },
    }
    line = {
        "title": "LineOut",
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "order_id": {"type": "integer"},
            "sku": {"type": "string"},
            "quantity": {"type": "integer"},
            "unit_price": {"type": "string"},
        },
    }

    def answer(schema: dict[str, Any]) -> dict[str, Any]:
        return {"200": {"description": "OK", "content": {"application/json": {"schema": schema}}}}

    def get(operation_id: str, schema: dict[str, Any], *names: str) -> dict[str, Any]:
        return {"get": {"operationId": operation_id, "parameters": [ident(n) for n in names],
                        "responses": answer(schema), "security": [{"BearerAuth": []}]}}  # fmt: skip

    return {
        "openapi": "3.1.0",
        "info": {"title": "Warehouse API", "version": "1.0.0"},
        "components": {"securitySchemes": {"BearerAuth": {"type": "http", "scheme": "bearer"}}},
        "paths": {
            "/api/orders": get("warehouse_api_list_orders", {"type": "array", "items": order}),
            "/api/orders/{order_id}": get("warehouse_api_get_order", order, "order_id"),
            "/api/orders/{order_id}/lines": get(
                "warehouse_api_list_lines", {"type": "array", "items": line}, "order_id"
            ),
            "/api/orders/{order_id}/lines/{line_id}": get(
                "warehouse_api_get_line", line, "order_id", "line_id"
            ),
        },
    }


def _scan(*, flawed: bool) -> Results:
    with serving(warehouse_app(flawed=flawed), wsgi=True) as url:
        return scan_app(url, Bola(), IDENTITIES)


def _medium(results: Results) -> set[str]:
    return {f.operation for f in results.findings if f.severity >= Severity.MEDIUM}


def test_a_line_only_a_nested_listing_shows_is_attacked() -> None:
    """One clerk reads the other's order line by naming its order and its line: found."""
    results = _scan(flawed=True)
    assert _medium(results) == {LINE}, [f.title for f in results.findings]
    titles = {f.title for f in results.findings if f.operation == LINE}
    assert any("through path line_id" in t for t in titles), titles


def test_the_fixed_twin_gives_no_finding() -> None:
    """With the order's owner checked, nothing of medium or above, and the line was tried."""
    results = _scan(flawed=False)
    assert _medium(results) == set(), [f.title for f in results.findings]
    skipped = [s for s in results.skipped if s.operation == LINE and "no id" in s.detail]
    assert not skipped, skipped
