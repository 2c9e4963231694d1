"""A scan never spends a promo code it did not make: an order's optional ``promoCode`` is left out.

The NestJS trial's ``POST /v1/orders`` took an optional ``promoCode``. Its first legitimate
order, with the contract's example code, was refused; the scan then sent a code its identity
lists, the organisation's seeded ``ACME-CREW``, and the order went through: the code's use
count moved for everybody, and deleting the order gave nothing back.

The shop below is written the NestJS way (class-validator's 400 with a list of messages,
UUIDs): its members list their shop's promo codes, and an order with a code spends one of its
uses for good. After a default scan every code has all its uses, and the orders are gone.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tests.conftest import scan_with_identities

from apiward.scan.codes import spends
from serving import serving

IDENTITIES = """\
identities:
  - {name: ana, role: member, headers: {Authorization: Bearer ana-tok}}
  - {name: ben, role: member, headers: {Authorization: Bearer ben-tok}}
"""
TOKENS = {"Bearer ana-tok": "ana", "Bearer ben-tok": "ben"}
_ORDER = {
    "type": "object",
    "required": ["item", "quantity"],
    "properties": {
        "item": {"type": "string", "example": "poster"},
        "quantity": {"type": "integer", "minimum": 1, "maximum": 5},
        "promoCode": {"type": "string", "example": "SUMMER10"},
    },
}
_CODE = {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}
_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}
SPEC: dict[str, Any] = {
    "openapi": "3.0.0",
    "info": {"title": "shop", "version": "1"},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "paths": {
        "/promo-codes": {"get": {"responses": {"200": {"description": "the shop's codes"}}}},
        "/promo-codes/{code}": {
            "parameters": [_CODE],
            "get": {"responses": {"200": {"description": "one code"}}},
        },
        "/orders": {
            "get": {"responses": {"200": {"description": "my orders"}}},
            "post": {
                "requestBody": {"content": {"application/json": {"schema": _ORDER}}},
                "responses": {"201": {"description": "placed"}},
            },
        },
        "/orders/{id}": {
            "parameters": [_ID],
            "get": {"responses": {"200": {"description": "one order"}}},
            "delete": {"responses": {"200": {"description": "cancelled"}}},
        },
    },
}


class Shop:
    """Orders by UUID; a promo code's use is spent for good."""

    def __init__(self) -> None:
        self.codes = {"CREW100": {"code": "CREW100", "percent": 100, "uses": 0, "maxUses": 50}}
        self.orders: dict[str, dict[str, Any]] = {}
        self.app = Starlette(
            routes=[
                Route("/openapi.json", lambda r: JSONResponse(SPEC)),
                Route("/promo-codes", self.codes_listed),
                Route("/promo-codes/{code}", self.code),
                Route("/orders", self.orders_route, methods=["GET", "POST"]),
                Route("/orders/{id}", self.order, methods=["GET", "DELETE"]),
            ]
        )

    async def codes_listed(self, request: Request) -> Response:
        return _who(request) or JSONResponse(list(self.codes.values()))

    async def code(self, request: Request) -> Response:
        found = self.codes.get(request.path_params["code"])
        return _who(request) or (JSONResponse(found) if found else _missing("Promo code"))

    async def orders_route(self, request: Request) -> Response:
        refused = _who(request)
        if refused:
            return refused
        who = TOKENS[request.headers["authorization"]]
        if request.method == "GET":
            return JSONResponse([o for o in self.orders.values() if o["buyer"] == who])
        body = await request.json()
        problems = []
        if not isinstance(body.get("item"), str):
            problems.append("item must be a string")
        if not isinstance(body.get("quantity"), int) or not 1 <= body["quantity"] <= 5:
            problems.append("quantity must not be greater than 5")
        code = body.get("promoCode")
        if code is not None and code not in self.codes:
            problems.append("promoCode must be a valid code")
        if problems:
            return JSONResponse(
                {"statusCode": 400, "message": problems, "error": "Bad Request"}, 400
            )
        if code is not None:
            self.codes[code]["uses"] += 1
        key = str(uuid.uuid4())
        self.orders[key] = {
            "id": key,
            "buyer": who,
            "item": body["item"],
            "quantity": body["quantity"],
            "promoCode": code,
        }
        return JSONResponse(self.orders[key], 201)

    async def order(self, request: Request) -> Response:
        refused = _who(request)
        if refused:
            return refused
        found = self.orders.get(request.path_params["id"])
        if found is None or found["buyer"] != TOKENS[request.headers["authorization"]]:
            return _missing("Order")
        if request.method == "DELETE":
            del self.orders[found["id"]]
        return JSONResponse(found)


def _who(request: Request) -> Response | None:
    if request.headers.get("authorization") in TOKENS:
        return None
    return JSONResponse({"statusCode": 401, "message": "Unauthorized"}, 401)


def _missing(what: str) -> Response:
    return JSONResponse(
        {"statusCode": 404, "message": f"{what} not found", "error": "Not Found"}, 404
    )


def test_a_scan_spends_no_code_it_did_not_make(tmp_path: Path) -> None:
    """Orders are placed and removed, and the seeded code keeps every use."""
    shop = Shop()
    with serving(shop.app) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path)
    assert done.returncode in {0, 1}, done.stdout[-3000:]
    made = [r for r in report["tables"]["target_state"] if "POST /orders" in r["object"]]
    assert made, "no order was placed: the test proves nothing"
    assert shop.codes["CREW100"]["uses"] == 0, "a file identity's order spent the shop's code"
    assert not shop.orders


@pytest.mark.parametrize(
    ("name", "value", "spent"),
    [
        ("promoCode", "ACME-CREW", True),
        ("coupon", "SAVE5", True),
        ("voucher_code", "V-1", True),
        ("referralCode", "ana-ref", True),
        ("discount", 20, False),
        ("code", "ACME-CREW", False),
        ("promoCode", "", False),
    ],
)
def test_which_fields_hand_over_a_code(name: str, value: object, spent: bool) -> None:
    """A string in a field named for a promo, coupon, voucher, referral or gift code."""
    assert spends(name, value) is spent
