"""A small Starlette orders API keyed by ``X-Api-Key``, with a BOLA that can be switched off.

Ids are strings (``ord_7f3a``), lists come wrapped in ``{"data": [...]}``, and a
missing order is Starlette's default plain-text 404: someone else's API, not the bank.
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

KEYS = {"alice": "ak_live_51alice9f2c", "bob": "ak_live_51bob77d1e"}
ORDERS = {
    "ord_7f3a": {"id": "ord_7f3a", "owner": "alice", "item": "kettle", "total": 39},
    "ord_2b9c": {"id": "ord_2b9c", "owner": "alice", "item": "teapot", "total": 25},
    "ord_c41d": {"id": "ord_c41d", "owner": "bob", "item": "mugs", "total": 12},
}


def contract() -> dict[str, Any]:
    """The orders API's OpenAPI 3.1 contract."""
    order = {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "item": {"type": "string"},
            "total": {"type": "integer"},
        },
    }
    ok = {"description": "ok", "content": {"application/json": {"schema": order}}}
    listed = {
        "description": "ok",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {"data": {"type": "array", "items": order}},
                }
            }
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "orders", "version": "2"},
        "security": [{"key": []}],
        "components": {
            "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Api-Key"}}
        },
        "paths": {
            "/orders": {"get": {"operationId": "listOrders", "responses": {"200": listed}}},
            "/orders/{order_id}": {
                "get": {
                    "operationId": "getOrder",
                    "parameters": [
                        {
                            "name": "order_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {"200": ok, "404": {"description": "not found"}},
                }
            },
        },
    }


def orders_app(*, owner_only: bool) -> Starlette:
    """The API; ``owner_only=False`` serves any order to any key holder (the BOLA)."""
    owners = {key: name for name, key in KEYS.items()}

    def caller(request: Request) -> str:
        name = owners.get(request.headers.get("x-api-key", ""))
        if name is None:
            raise HTTPException(401)
        return name

    async def listing(request: Request) -> JSONResponse:
        me = caller(request)
        mine = [_shown(o) for o in ORDERS.values() if o["owner"] == me]
        return JSONResponse({"data": mine})

    async def one(request: Request) -> JSONResponse:
        me = caller(request)
        order = ORDERS.get(request.path_params["order_id"])
        if order is None or (owner_only and order["owner"] != me):
            raise HTTPException(404)
        return JSONResponse(_shown(order))

    async def spec(request: Request) -> JSONResponse:
        return JSONResponse(contract())

    return Starlette(
        routes=[
            Route("/openapi.json", spec),
            Route("/orders", listing),
            Route("/orders/{order_id}", one),
        ]
    )


def _shown(order: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in order.items() if k != "owner"}


IDENTITIES = """identities:
  - name: alice
    role: customer
    headers: {X-Api-Key: "${ORDERS_ALICE_KEY}"}
  - name: bob
    role: customer
    headers: {X-Api-Key: "${ORDERS_BOB_KEY}"}
"""
