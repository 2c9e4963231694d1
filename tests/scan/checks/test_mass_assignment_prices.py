"""mass_assignment on a creation: a price the server sets, taken from the client.

The Hono trial's bookings, and the Express trial's order lines, copied every body field
into the new row: ``priceCents``, which the request does not declare and the server takes
from the service booked, was the client's to set. No privilege field was in sight, so the
check said "no privilege field it could carry". A price the new object shows and the
request does not declare is now probed with one unit. A Starlette shop: the flawed twin
spreads the body into the order, the fixed one does not.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - {name: ann, role: customer, headers: {Authorization: Bearer shop-ann}}
  - {name: ben, role: customer, headers: {Authorization: Bearer shop-ben}}
"""
ORDER = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "productId": {"type": "string"},
        "quantity": {"type": "integer"},
        "priceCents": {"type": "integer", "readOnly": True},
    },
}
NEW_ORDER = {
    "type": "object",
    "required": ["productId"],
    "properties": {"productId": {"type": "string"}, "quantity": {"type": "integer", "minimum": 1}},
}


def _spec() -> dict[str, Any]:
    def answer(schema: dict[str, Any]) -> dict[str, Any]:
        return {"description": "OK", "content": {"application/json": {"schema": schema}}}

    order_id = [{"name": "orderId", "in": "path", "required": True, "schema": {"type": "integer"}}]
    return {
        "openapi": "3.0.3",
        "info": {"title": "shop", "version": "1"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
            "/orders": {
                "get": {"responses": {"200": answer({"type": "array", "items": ORDER})}},
                "post": {
                    "requestBody": {"content": {"application/json": {"schema": NEW_ORDER}}},
                    "responses": {"201": answer(ORDER)},
                },
            },
            "/orders/{orderId}": {
                "get": {"parameters": order_id, "responses": {"200": answer(ORDER)}},
                "delete": {"parameters": order_id, "responses": {"204": {"description": "gone"}}},
            },
        },
    }


def shop(*, flawed: bool) -> tuple[Starlette, dict[int, dict[str, Any]]]:
    """The shop and its orders; ``flawed`` spreads the body into the new order."""
    orders: dict[int, dict[str, Any]] = {}
    ids = itertools.count(1)
    who = {"Bearer shop-ann": "ann", "Bearer shop-ben": "ben"}

    def caller(request: Request) -> str | None:
        return who.get(request.headers.get("authorization", ""))

    async def spec(_: Request) -> Response:
        return JSONResponse(_spec())

    async def collection(request: Request) -> Response:
        user = caller(request)
        if user is None:
            return JSONResponse({"error": "Unauthorized"}, 401)
        if request.method == "GET":
            mine = [{k: v for k, v in o.items() if k != "owner"} for o in orders.values()]
            return JSONResponse([o for o in mine if orders[o["id"]]["owner"] == user])
        sent = await request.json()
        order = {"productId": str(sent.get("productId", "")), "quantity": 1, "priceCents": 5000}
        order.update({k: v for k, v in sent.items() if flawed or k == "quantity"})
        order |= {"id": next(ids), "owner": user}
        orders[order["id"]] = order
        return JSONResponse({k: v for k, v in order.items() if k != "owner"}, 201)

    async def item(request: Request) -> Response:
        order = orders.get(int(request.path_params["orderId"]))
        if order is None or order["owner"] != caller(request):
            return JSONResponse({"error": "Not found"}, 404)
        if request.method == "DELETE":
            del orders[order["id"]]
            return Response(status_code=204)
        return JSONResponse({k: v for k, v in order.items() if k != "owner"})

    routes = [
        Route("/openapi.json", spec),
        Route("/orders", collection, methods=["GET", "POST"]),
        Route("/orders/{orderId:int}", item, methods=["GET", "DELETE"]),
    ]
    return Starlette(routes=routes), orders


@pytest.mark.parametrize("flawed", [True, False], ids=["flawed", "fixed"])
def test_a_price_the_client_may_not_set(tmp_path: Path, flawed: bool) -> None:
    """The flawed shop keeps priceCents=1: a finding naming it; the fixed one: none."""
    app, orders = shop(flawed=flawed)
    with serving(app) as url:
        done, report = scan_with_identities(
            url, IDENTITIES, tmp_path, "--checks", "mass_assignment"
        )
    assert done.returncode in {0, 1}, done.stdout[-3000:]
    assert not orders
    found = [f["title"] for f in report["findings"] if f["check"] == "mass_assignment"]
    if not flawed:
        assert not found, found
        return
    assert any("priceCents" in title for title in found), found
