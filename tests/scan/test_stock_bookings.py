"""A booking that takes a shared part out of stock, and nothing can undo, is never made.

A field-service depot in the style of a Koa API (JSON:API documents, short random ids,
``Authorization: Bearer``): every technician reads the same parts catalogue
(``GET /parts``, ``GET /parts/{sku}``, each part with its ``stock``), keeps work orders of
their own, and books parts onto a work order (``POST /work-orders/{id}/parts``, "takes
them out of stock"). A booking has no DELETE: what it took stays taken. In the Koa
trial, bookings the scan made (its body wrapped as ``{"data": {"attributes": {"sku":
…}}}``) took seven M8 bolts out of a stock of twelve, for good, and the report said
nothing of it.

Every part's stock is what it was after a default scan, however the body is written
(JSON:API or flat), and the report says why the bookings were not made. Where bookings
were made (a DELETE of their own, or ``--aggressive``) and the stock did not come back,
the report says so, with the count before and after.
"""

from __future__ import annotations

import copy
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

KEYS = {"tk-9Qe2vLr": "ravi", "tk-Xm41pTa": "lena"}
JSONAPI = "application/vnd.api+json"


def _resource(kind: str, attributes: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "type": {"type": "string", "enum": [kind]},
            "id": {"type": "string"},
            "attributes": {"type": "object", "properties": attributes},
        },
    }


PART = _resource("parts", {"name": {"type": "string"}, "stock": {"type": "integer", "minimum": 0}})
ORDER_FIELDS = {"title": {"type": "string"}, "site": {"type": "string"}}
ORDER = _resource("work-orders", ORDER_FIELDS)
BOOKING = _resource(
    "part-bookings", {"sku": {"type": "string"}, "quantity": {"type": "integer", "minimum": 1}}
)


def _document(attributes: dict[str, Any]) -> dict[str, Any]:
    data = {"type": "object", "properties": {"attributes": {"properties": attributes}}}
    return {"type": "object", "properties": {"data": data}}


def _one(schema: dict[str, Any], status: str = "200") -> dict[str, Any]:
    document = {"type": "object", "properties": {"data": schema}}
    return {status: {"description": "ok", "content": {JSONAPI: {"schema": document}}}}


def _many(schema: dict[str, Any]) -> dict[str, Any]:
    return _one({"type": "array", "items": schema})


def _id(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def contract(style: str, undo: bool) -> dict[str, Any]:
    """The depot's contract, its booking body as a JSON:API document or flat; ``undo``: a
    booking has a DELETE of its own, which puts its parts back in stock."""
    fields = {
        "partId": {"type": "string", "example": "BLT-M8"},
        "quantity": {"type": "integer", "minimum": 1, "example": 2},
    }
    booking: dict[str, Any] = {"type": "object", "required": ["partId", "quantity"]}
    booking["properties"] = fields
    if style == "jsonapi":
        booking = {
            "type": "object",
            "required": ["data"],
            "properties": {
                "data": {
                    "type": "object",
                    "required": ["type", "attributes"],
                    "properties": {
                        "type": {"type": "string", "enum": ["part-bookings"]},
                        "attributes": booking,
                    },
                }
            },
        }
    cancel = {
        "delete": {
            "summary": "Cancel a booking (its parts go back in stock)",
            "parameters": [_id("workOrderId"), _id("bookingId")],
            "responses": {"204": {"description": "cancelled"}},
        }
    }
    paths = {"/work-orders/{workOrderId}/parts/{bookingId}": cancel} if undo else {}
    return {
        "openapi": "3.0.3",
        "info": {"title": "depot", "version": "2"},
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": {
            "/parts": {"get": {"summary": "The parts catalogue", "responses": _many(PART)}},
            "/parts/{sku}": {
                "get": {"parameters": [_id("sku")], "responses": _one(PART)},
            },
            "/work-orders": {
                "get": {"summary": "My work orders", "responses": _many(ORDER)},
                "post": {
                    "summary": "Open a work order",
                    "requestBody": {
                        "required": True,
                        "content": {JSONAPI: {"schema": _document(ORDER_FIELDS)}},
                    },
                    "responses": _one(ORDER, "201"),
                },
            },
            "/work-orders/{workOrderId}": {
                "get": {"parameters": [_id("workOrderId")], "responses": _one(ORDER)},
                "delete": {
                    "summary": "Delete a work order and its bookings",
                    "parameters": [_id("workOrderId")],
                    "responses": {"204": {"description": "deleted"}},
                },
            },
            "/work-orders/{workOrderId}/parts": {
                "get": {
                    "summary": "Parts booked on the work order",
                    "parameters": [_id("workOrderId")],
                    "responses": _many(BOOKING),
                },
                "post": {
                    "summary": "Book parts on the work order (takes them out of stock)",
                    "parameters": [_id("workOrderId")],
                    "requestBody": {
                        "required": True,
                        "content": {JSONAPI: {"schema": booking}},
                    },
                    "responses": _one(BOOKING, "201"),
                },
            },
            **paths,
        },
    }


IDENTITIES = """\
identities:
  - name: ravi
    role: technician
    headers: {Authorization: Bearer tk-9Qe2vLr}
  - name: lena
    role: technician
    headers: {Authorization: Bearer tk-Xm41pTa}
"""
STOCK = {"BLT-M8": 12, "FLT-OIL": 30, "BRK-PAD": 4}


class Depot:
    """Parts everyone shares, work orders each technician keeps, bookings that take stock."""

    def __init__(self, style: str, *, undo: bool = False, restocks: bool = True) -> None:
        self.style = style
        self.undo = undo
        self.restocks = restocks
        self.booked = 0
        self.stock = dict(STOCK)
        self.names = {"BLT-M8": "M8 bolt", "FLT-OIL": "Oil filter", "BRK-PAD": "Brake pad"}
        self.orders = {
            "wo3fk": {"title": "Boiler service", "site": "Elm St 4", "owner": "ravi"},
            "wo8zq": {"title": "Pump swap", "site": "Dock 2", "owner": "lena"},
        }
        self.bookings: dict[str, dict[str, Any]] = {
            "pb1aa": {"order": "wo3fk", "partId": "FLT-OIL", "quantity": 1},
        }
        self.serial = itertools.count(100)

    def _document(self, data: Any, status: int = 200) -> Response:
        return JSONResponse({"data": data}, status_code=status, media_type=JSONAPI)

    def _errors(self, status: int, title: str) -> Response:
        body = {"errors": [{"status": str(status), "title": title}]}
        return JSONResponse(body, status_code=status, media_type=JSONAPI)

    def _part(self, sku: str) -> dict[str, Any]:
        attributes = {"name": self.names[sku], "stock": self.stock[sku]}
        return {"type": "parts", "id": sku, "attributes": attributes}

    def _order(self, key: str) -> dict[str, Any]:
        shown = {k: v for k, v in self.orders[key].items() if k != "owner"}
        return {"type": "work-orders", "id": key, "attributes": shown}

    def _booking(self, key: str) -> dict[str, Any]:
        shown = {k: v for k, v in self.bookings[key].items() if k != "order"}
        return {"type": "part-bookings", "id": key, "attributes": shown}

    def app(self) -> Starlette:
        """The depot as an ASGI app."""

        def who(request: Request) -> str | None:
            scheme, _, token = request.headers.get("authorization", "").partition(" ")
            return KEYS.get(token) if scheme == "Bearer" else None

        async def spec(request: Request) -> Response:
            return JSONResponse(contract(self.style, self.undo))

        async def parts(request: Request) -> Response:
            if who(request) is None:
                return self._errors(401, "Unauthorized")
            return self._document([self._part(sku) for sku in self.stock])

        async def part(request: Request) -> Response:
            sku = request.path_params["sku"]
            if who(request) is None:
                return self._errors(401, "Unauthorized")
            if sku not in self.stock:
                return self._errors(404, "Not Found")
            return self._document(self._part(sku))

        async def orders(request: Request) -> Response:
            user = who(request)
            if user is None:
                return self._errors(401, "Unauthorized")
            if request.method == "POST":
                body = await request.json()
                data = body.get("data") if isinstance(body, dict) else None
                given = data.get("attributes") if isinstance(data, dict) else None
                if not isinstance(given, dict):
                    return self._errors(422, "Unprocessable Entity")
                made = f"wo{next(self.serial)}"
                fields = {k: str(given.get(k, "")) for k in ("title", "site")}
                self.orders[made] = {**fields, "owner": user}
                return self._document(self._order(made), 201)
            mine = [self._order(k) for k, o in self.orders.items() if o["owner"] == user]
            return self._document(mine)

        def own_order(request: Request) -> str | Response:
            user = who(request)
            if user is None:
                return self._errors(401, "Unauthorized")
            key = request.path_params["order"]
            if key not in self.orders or self.orders[key]["owner"] != user:
                return self._errors(404, "Not Found")
            return str(key)

        async def order(request: Request) -> Response:
            key = own_order(request)
            if isinstance(key, Response):
                return key
            if request.method == "DELETE":
                # Its bookings go with it; what they took out of stock does not come back.
                del self.orders[key]
                for gone in [b for b, v in self.bookings.items() if v["order"] == key]:
                    del self.bookings[gone]
                return Response(status_code=204)
            return self._document(self._order(key))

        async def bookings(request: Request) -> Response:
            key = own_order(request)
            if isinstance(key, Response):
                return key
            if request.method == "GET":
                mine = [self._booking(b) for b, v in self.bookings.items() if v["order"] == key]
                return self._document(mine)
            try:
                body = await request.json()
            except ValueError:
                return self._errors(400, "Malformed JSON")
            if self.style == "jsonapi":
                data = body.get("data") if isinstance(body, dict) else None
                body = data.get("attributes") if isinstance(data, dict) else None
            if not isinstance(body, dict):
                return self._errors(422, "Unprocessable Entity")
            sku, quantity = body.get("partId"), body.get("quantity")
            if sku not in self.stock or not isinstance(quantity, int) or quantity < 1:
                return self._errors(422, "Unknown part or bad quantity")
            if quantity > self.stock[sku]:
                return self._errors(409, "Not enough stock")
            self.stock[sku] -= quantity
            self.booked += 1
            made = f"pb{next(self.serial)}"
            self.bookings[made] = {"order": key, "partId": sku, "quantity": quantity}
            return self._document(self._booking(made), 201)

        async def cancel(request: Request) -> Response:
            key = own_order(request)
            if isinstance(key, Response):
                return key
            gone = self.bookings.get(request.path_params["booking"])
            if gone is None or gone["order"] != key:
                return self._errors(404, "Not Found")
            if self.restocks:  # else the cancellation keeps what the booking took
                self.stock[gone["partId"]] += gone["quantity"]
            del self.bookings[request.path_params["booking"]]
            return Response(status_code=204)

        cancels = [Route("/work-orders/{order}/parts/{booking}", cancel, methods=["DELETE"])]
        return Starlette(
            routes=[
                *(cancels if self.undo else []),
                Route("/openapi.json", spec),
                Route("/parts", parts),
                Route("/parts/{sku}", part),
                Route("/work-orders", orders, methods=["GET", "POST"]),
                Route("/work-orders/{order}", order, methods=["GET", "DELETE"]),
                Route("/work-orders/{order}/parts", bookings, methods=["GET", "POST"]),
            ]
        )


@pytest.mark.parametrize("style", ["jsonapi", "flat"])
def test_a_default_scan_takes_nothing_out_of_stock(style: str, tmp_path: Path) -> None:
    """Every part's stock is as seeded after a default scan of every check, and the report
    says why no booking was made."""
    depot = Depot(style)
    seeded = copy.deepcopy(depot.bookings)
    with serving(depot.app()) as url:
        result, report = scan_with_identities(url, IDENTITIES, tmp_path)
    assert result.returncode in {0, 1}, result.stdout[-3000:]
    assert depot.stock == STOCK, depot.stock
    assert depot.bookings == seeded, depot.bookings
    booking = "POST /work-orders/{workOrderId}/parts"
    said = [s["detail"] for s in report["skipped"] if s["operation"] == booking]
    assert any("takes from the stock of part BLT-M8" in why for why in said), said


def test_bookings_the_contract_can_cancel_are_made_and_cancelled(tmp_path: Path) -> None:
    """Where a booking has a DELETE of its own, the scan books, tests and cancels."""
    depot = Depot("jsonapi", undo=True)
    with serving(depot.app()) as url:
        result, report = scan_with_identities(
            url, IDENTITIES, tmp_path, "--checks", "bola,mass_assignment"
        )
    assert result.returncode in {0, 1}, result.stdout[-3000:]
    assert depot.booked > 0
    assert depot.stock == STOCK, depot.stock
    assert not _stock_rows(report), report["tables"]["target_state"]


def _stock_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    rows = report["tables"]["target_state"]
    return [r for r in rows if r["state"] == "not restored" and "the stock of part" in r["detail"]]


def _said_taken(report: dict[str, Any], depot: Depot) -> None:
    """Every part the scan left short has a *not restored* row with its count before and after."""
    short = {sku for sku, left in depot.stock.items() if left != STOCK[sku]}
    assert short, depot.stock
    rows = _stock_rows(report)
    for sku in short:
        said = [r["detail"] for r in rows if r["object"] == f"/parts/{sku}"]
        assert said, rows
        assert f"was {STOCK[sku]} " in said[0], said
        assert f"is {depot.stock[sku]} " in said[0], said


def test_a_cancellation_that_keeps_the_stock_is_reported(tmp_path: Path) -> None:
    """A booking DELETE that does not restock leaves the parts taken, and the report says
    which part's stock went from what to what."""
    depot = Depot("jsonapi", undo=True, restocks=False)
    with serving(depot.app()) as url:
        result, report = scan_with_identities(
            url, IDENTITIES, tmp_path, "--checks", "bola,mass_assignment"
        )
    assert result.returncode == 3, result.stdout[-3000:]  # the target was left damaged
    assert depot.booked > 0
    _said_taken(report, depot)


def test_aggressive_books_anyway(tmp_path: Path) -> None:
    """``--aggressive`` takes the stock it must to test the bookings, and says what it took."""
    depot = Depot("flat")
    with serving(depot.app()) as url:
        result, report = scan_with_identities(
            url, IDENTITIES, tmp_path, "--checks", "bola", "--aggressive"
        )
    assert result.returncode == 3, result.stdout[-3000:]
    assert depot.booked > 0
    _said_taken(report, depot)
