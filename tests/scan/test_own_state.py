"""What the scan's creations spent of a user's own state is said, not called as found.

A shop-credit API written the Starlette way: ``GET /account/me`` shows the caller's
credits; ``POST /orders`` spends two credits per item and answers 201 with the order,
which no DELETE of the contract removes. A default scan places none (nothing could cancel
it); under ``--aggressive`` the harvest places an order to learn its ids, so the member
ends the scan with fewer credits, through no write to her record: the target state must
say so, as damage (credits are money). The record also counts the
caller's remaining requests, which the scan's own traffic lowers: said, but no damage.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from apiward.core.registry import Registry
from apiward.scan import Identity, Results, ScanConfig, scan
from apiward.scan.changes import State
from apiward.scan.check import AnyCheck
from apiward.scan.checks.headers import SecurityHeaders
from apiward.scan.checks.mass_assignment import MassAssignment
from apiward.spec import load
from serving import serving

ALICE = Identity(name="alice", role="member", headers={"Authorization": "Bearer sc-alice"})
ORDER = {"type": "object", "properties": {"id": {"type": "integer"}, "item": {"type": "string"}, "quantity": {"type": "integer", "minimum": 1}}}  # fmt: skip
CONTRACT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "credits", "version": "1"},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "paths": {
        "/account/me": {
            "get": {
                "responses": {
                    "200": {
                        "description": "The caller's account",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                }
            }
        },
        "/orders": {
            "get": {"responses": {"200": {"description": "The caller's orders"}}},
            "post": {
                "requestBody": {"content": {"application/json": {"schema": ORDER}}},
                "responses": {
                    "201": {
                        "description": "Placed",
                        "content": {"application/json": {"schema": ORDER}},
                    }
                },
            },
        },
    },
}


def shop_app(price: int) -> tuple[Starlette, dict[str, Any]]:
    """The API and alice's account; each ordered item costs ``price`` credits."""
    account: dict[str, Any] = {"username": "alice", "credits": 20, "quota_remaining": 10_000}
    orders: list[dict[str, Any]] = []

    def authorised(request: Request) -> bool:
        account["quota_remaining"] -= 1  # a meter of the caller's requests, as many APIs show
        return request.headers.get("authorization") == "Bearer sc-alice"

    async def me(request: Request) -> JSONResponse:
        if not authorised(request):
            return JSONResponse({"error": "unauthorized"}, 401)
        return JSONResponse(account)

    async def place(request: Request) -> JSONResponse:
        if not authorised(request):
            return JSONResponse({"error": "unauthorized"}, 401)
        if request.method == "GET":
            return JSONResponse(orders)
        body = await request.json()
        quantity = body.get("quantity")
        if not isinstance(quantity, int) or quantity < 1 or quantity * price > account["credits"]:
            return JSONResponse({"error": "not enough credits"}, 422)
        account["credits"] -= quantity * price
        order = {"id": len(orders) + 1, "item": str(body.get("item")), "quantity": quantity}
        orders.append(order)
        return JSONResponse(order, 201)

    async def contract(_: Request) -> JSONResponse:
        return JSONResponse(CONTRACT)

    routes = [
        Route("/openapi.json", contract),
        Route("/account/me", me),
        Route("/orders", place, methods=["GET", "POST"]),
    ]
    return Starlette(routes=routes), account


def _scan(url: str, *, aggressive: bool = False) -> Results:
    api = load(f"{url}/openapi.json", allow_private=True)
    checks = Registry[AnyCheck]("check", [("security_headers", SecurityHeaders())])
    config = ScanConfig(target=url, identities=(ALICE,), aggressive=aggressive)
    return asyncio.run(scan(api, config, checks))


def test_a_default_scan_places_no_order_nothing_can_cancel() -> None:
    """No DELETE removes an order: a default scan places none, so no credit is spent."""
    app, account = shop_app(2)
    with serving(app) as url:
        results = _scan(url)
    assert account["credits"] == 20
    assert not [c for c in results.target_state if "orders" in c.object]
    assert not results.damaged


@pytest.mark.parametrize("price", [2, 0], ids=["orders-cost-credits", "orders-are-free"])
def test_credits_the_scans_orders_spent_are_damage_the_report_names(price: int) -> None:
    """Spent credits: 'not restored' on /account/me, naming them; the request meter alone: 'left'."""
    app, account = shop_app(price)
    with serving(app) as url:
        results = _scan(url, aggressive=True)
    [row] = [c for c in results.target_state if c.object == "/account/me"]
    assert "quota_remaining" in row.detail
    if price == 0:
        assert account["credits"] == 20
        assert row.state is State.LEFT
        assert "credits" not in row.detail
        assert not results.damaged, "a meter of the scan's own requests is no damage"
        return
    assert account["credits"] < 20, "the harvest placed no order: the oracle below could not fail"
    assert row.state is State.NOT_RESTORED
    assert f"credits 20 → {account['credits']}" in row.detail
    assert results.damaged


def deposits_app() -> tuple[Starlette, dict[str, Any]]:
    """Deposits add 5 credits; cancelling one takes them back and a 1-credit fee.

    ``PATCH /account/me`` keeps whatever it is sent (a mass assignment), so a probe writes
    the record and the restore phase puts it back, before the scan's deposit is cancelled.
    """
    account: dict[str, Any] = {"username": "alice", "credits": 20}
    deposits: dict[int, int] = {}

    async def me(request: Request) -> JSONResponse:
        if request.headers.get("authorization") != "Bearer sc-alice":
            return JSONResponse({"error": "unauthorized"}, 401)
        if request.method == "PATCH":
            account.update(await request.json())
        return JSONResponse(account)

    async def deposit(request: Request) -> JSONResponse:
        if request.headers.get("authorization") != "Bearer sc-alice":
            return JSONResponse({"error": "unauthorized"}, 401)
        if request.method == "GET":
            return JSONResponse([{"id": i, "amount": a} for i, a in deposits.items()])
        made = max(deposits, default=0) + 1
        deposits[made] = 5
        account["credits"] += 5
        return JSONResponse({"id": made, "amount": 5}, 201)

    async def cancel(request: Request) -> JSONResponse:
        found = deposits.pop(int(request.path_params["deposit_id"]), None)
        if found is None:
            return JSONResponse({"error": "not found"}, 404)
        account["credits"] -= found + 1
        return JSONResponse({}, 200)

    async def contract(_: Request) -> JSONResponse:
        return JSONResponse(DEPOSITS)

    routes = [
        Route("/openapi.json", contract),
        Route("/account/me", me, methods=["GET", "PATCH"]),
        Route("/deposits", deposit, methods=["GET", "POST"]),
        Route("/deposits/{deposit_id:int}", cancel, methods=["DELETE"]),
    ]
    return Starlette(routes=routes), account


_ME = {"type": "object", "properties": {"username": {"type": "string"}, "credits": {"type": "integer"}}}  # fmt: skip
_NAME = {"type": "object", "properties": {"username": {"type": "string"}}}
_OK = {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}
DEPOSITS: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "deposits", "version": "1"},
    "components": CONTRACT["components"],
    "security": [{"bearer": []}],
    "paths": {
        "/account/me": {
            "get": {
                "responses": {"200": {**_OK, "content": {"application/json": {"schema": _ME}}}}
            },
            "patch": {
                "requestBody": {"content": {"application/json": {"schema": _NAME}}},
                "responses": {"200": _OK},
            },
        },
        "/deposits": {
            "get": {"responses": {"200": _OK}},
            "post": {"responses": {"201": _OK}},
        },
        "/deposits/{deposit_id}": {
            "delete": {
                "parameters": [
                    {
                        "name": "deposit_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer"},
                    }
                ],
                "responses": {"200": _OK},
            }
        },
    },
}


def test_a_record_put_back_before_a_removal_moved_it_again_is_not_called_restored() -> None:
    """The record was put back, then cancelling the scan's deposit cost a fee: said as damage."""
    app, account = deposits_app()
    with serving(app) as url:
        api = load(f"{url}/openapi.json", allow_private=True)
        checks = Registry[AnyCheck]("check", [("mass_assignment", MassAssignment())])
        results = asyncio.run(scan(api, ScanConfig(target=url, identities=(ALICE,)), checks))
    assert account["credits"] != 20, "no deposit was made and cancelled: the oracle could not fail"
    rows = [c for c in results.target_state if c.object == "/account/me"]
    assert any(
        c.state is State.NOT_RESTORED and f"credits 20 → {account['credits']}" in c.detail
        for c in rows
    ), rows
    assert results.damaged
