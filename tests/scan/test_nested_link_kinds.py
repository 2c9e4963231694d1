"""Lines booked under a parent are not the objects of the top-level collection named alike.

A fleet workshop's API written the Falcon way (WSGI, served by werkzeug; static bearer
tokens; Falcon's own ``{"title": "404 Not Found"}`` for what is absent or not the
caller's). Every technician reads one shared parts catalogue (``GET /parts`` lists sku and
name, ``GET /parts/{part_id}`` adds price and stock: nobody owns a part), keeps work orders
of their own, and books
parts onto them: ``POST /work-orders/{order_id}/parts`` with ``{"part_id", "quantity"}``
answers the new *line* ``{"id", "work_order_id", "part_id", "quantity"}``, listed by
``GET /work-orders/{order_id}/parts`` and read by ``GET /work-orders/{order_id}/parts/{line_id}``.

Lines are numbered in a table of their own, so line 4 and catalogue part 4 both exist
and are different objects: alice's line 4 is no "part 4 of alice's", and bob reading the
catalogue's part 4 is what the catalogue is for. The flawed twin lets any technician read
any work order and any line (two real BOLA); the fixed twin checks the owner everywhere.
"""

from __future__ import annotations

import copy
import itertools
import json
import threading
from pathlib import Path
from typing import Any

import falcon
import pytest
from tests.conftest import scan_with_identities

from serving import serving

TOKENS = {"tk-alice-5f1c2a": "alice", "tk-bob-93d7e0": "bob", "tk-maria-0c44b8": "maria"}
IDENTITIES = """\
identities:
  - name: alice
    role: technician
    headers: {Authorization: Bearer tk-alice-5f1c2a}
  - name: bob
    role: technician
    headers: {Authorization: Bearer tk-bob-93d7e0}
"""
MANAGER = """\
  - name: maria
    role: manager
    headers: {Authorization: Bearer tk-maria-0c44b8}
"""
PARTS = {
    n: {"id": n, "sku": f"SKU-{n:04d}", "name": name, "unit_price": 100 + 7 * n, "stock": 3 * n}
    for n, name in enumerate(
        ["Oil filter", "Air filter", "Brake pad", "Wiper blade", "Spark plug", "Fan belt",
         "Fuse 10A", "Headlamp", "Coolant 1l", "Gasket"],
        start=1,
    )
}  # fmt: skip
_INT = {"type": "integer"}
_ROW = {"type": "object", "properties": {"id": _INT, "sku": {"type": "string"},
        "name": {"type": "string"}}}  # fmt: skip
_PART = {"type": "object", "properties": {**_ROW["properties"], "unit_price": _INT, "stock": _INT}}
_ORDER = {"type": "object", "properties": {"id": _INT, "vehicle": {"type": "string"},
          "complaint": {"type": "string"}}}  # fmt: skip
_LINE = {"type": "object", "properties": {"id": _INT, "work_order_id": _INT, "part_id": _INT,
         "quantity": {"type": "integer", "minimum": 1, "maximum": 20}}}  # fmt: skip
_MISSING = {"description": "absent, or not the caller's"}


def _ok(schema: dict[str, Any], status: str = "200") -> dict[str, Any]:
    return {
        status: {"description": "ok", "content": {"application/json": {"schema": schema}}},
        "404": _MISSING,
    }


def _takes(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _ids(*names: str) -> list[dict[str, Any]]:
    return [{"name": n, "in": "path", "required": True, "schema": _INT} for n in names]


SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Fleet workshop", "version": "2.4"},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "paths": {
        "/parts": {"get": {"summary": "The parts catalogue", "responses": _ok({"type": "array", "items": _ROW})}},
        "/parts/{part_id}": {"parameters": _ids("part_id"), "get": {"summary": "One catalogue part", "responses": _ok(_PART)}},
        "/work-orders": {
            "get": {"summary": "The caller's work orders", "responses": _ok({"type": "array", "items": _ORDER})},
            "post": {"requestBody": _takes({"type": "object", "required": ["vehicle"], "properties": {
                "vehicle": {"type": "string", "maxLength": 20}, "complaint": {"type": "string", "maxLength": 200}}}),
                "responses": _ok(_ORDER, "201")},
        },
        "/work-orders/{order_id}": {
            "parameters": _ids("order_id"),
            "get": {"responses": _ok(_ORDER)},
            "delete": {"responses": {"204": {"description": "closed"}, "404": _MISSING}},
        },
        "/work-orders/{order_id}/parts": {
            "parameters": _ids("order_id"),
            "get": {"summary": "Parts booked onto the order", "responses": _ok({"type": "array", "items": _LINE})},
            "post": {"summary": "Book a catalogue part onto the order",
                     "requestBody": _takes({"type": "object", "required": ["part_id", "quantity"], "properties": {
                         "part_id": _INT, "quantity": _LINE["properties"]["quantity"]}}),
                     "responses": _ok(_LINE, "201")},
        },
        "/work-orders/{order_id}/parts/{line_id}": {
            "parameters": _ids("order_id", "line_id"),
            "get": {"responses": _ok(_LINE)},
            "delete": {"summary": "Return the part to stock", "responses": {"204": {"description": "returned"}, "404": _MISSING}},
        },
    },
}  # fmt: skip


def _behind(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` a release behind its code: the manager's withdrawal of a part documented, the
    lines' answers not, nor their item path."""
    spec = copy.deepcopy(spec)
    paths = spec["paths"]
    paths["/parts/{part_id}"]["delete"] = {
        "summary": "Withdraw a part from the catalogue (workshop manager only)",
        "responses": {"204": {"description": "withdrawn"}, "403": {"description": "no manager"}},
    }
    for operation in paths["/work-orders/{order_id}/parts"].values():
        if isinstance(operation, dict):
            operation["responses"] = {"200": {"description": "ok"}}
    del paths["/work-orders/{order_id}/parts/{line_id}"]
    return spec


class Workshop:
    """One instance of the API with its own state; ``flawed`` skips the owner check on reads;
    ``behind`` serves the contract :func:`_behind` makes."""

    def __init__(self, *, flawed: bool, behind: bool = False) -> None:
        self.flawed = flawed
        self.spec = _behind(SPEC) if behind else SPEC
        self.parts = copy.deepcopy(PARTS)
        self.orders = {
            1: {"id": 1, "vehicle": "VAN-07", "complaint": "brakes squeal", "owner": "alice"},
            2: {"id": 2, "vehicle": "TRK-12", "complaint": "no start", "owner": "bob"},
        }
        # Numbered on their own: line 4 and part 4 are different objects.
        self.lines = {
            1: {"id": 1, "work_order_id": 1, "part_id": 3, "quantity": 4},
            2: {"id": 2, "work_order_id": 1, "part_id": 4, "quantity": 2},
            3: {"id": 3, "work_order_id": 2, "part_id": 5, "quantity": 6},
        }
        self.order_ids, self.line_ids = itertools.count(3), itertools.count(4)
        self.lock = threading.Lock()
        self.app = falcon.App()
        self.app.add_route("/openapi.json", _Spec(self))
        self.app.add_route("/parts", _Parts(self))
        self.app.add_route("/parts/{part_id:int}", _Parts(self), suffix="one")
        self.app.add_route("/work-orders", _Orders(self))
        self.app.add_route("/work-orders/{order_id:int}", _Orders(self), suffix="one")
        self.app.add_route("/work-orders/{order_id:int}/parts", _Lines(self))
        self.app.add_route(
            "/work-orders/{order_id:int}/parts/{line_id:int}", _Lines(self), suffix="one"
        )

    def caller(self, req: falcon.Request) -> str:
        """The technician the bearer token names; raises 401 without one."""
        token = (req.get_header("Authorization") or "").removeprefix("Bearer ").strip()
        if token not in TOKENS:
            raise falcon.HTTPUnauthorized(title="unauthorized", description="bad token")
        return TOKENS[token]

    def order(self, req: falcon.Request, order_id: int, *, read: bool = False) -> dict[str, Any]:
        """The caller's work order (anyone's for a read on the flawed twin), else 404."""
        who = self.caller(req)
        found = self.orders.get(order_id)
        if found is None or (found["owner"] != who and not (read and self.flawed)):
            raise falcon.HTTPNotFound()
        return found


def _shown(order: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in order.items() if k != "owner"}


def _body(req: falcon.Request) -> dict[str, Any]:
    try:
        body = json.loads(req.bounded_stream.read() or b"null")
    except ValueError:
        raise falcon.HTTPBadRequest(title="bad request", description="not JSON") from None
    if not isinstance(body, dict):
        raise falcon.HTTPBadRequest(title="bad request", description="expected an object")
    return body


class _Spec:
    def __init__(self, shop: Workshop) -> None:
        self.shop = shop

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = self.shop.spec


class _Parts:
    def __init__(self, shop: Workshop) -> None:
        self.shop = shop

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        self.shop.caller(req)
        resp.media = [{k: p[k] for k in ("id", "sku", "name")} for p in self.shop.parts.values()]

    def on_get_one(self, req: falcon.Request, resp: falcon.Response, part_id: int) -> None:
        self.shop.caller(req)
        if part_id not in self.shop.parts:
            raise falcon.HTTPNotFound()
        resp.media = self.shop.parts[part_id]

    def on_delete_one(self, req: falcon.Request, resp: falcon.Response, part_id: int) -> None:
        if self.shop.caller(req) != "maria":
            raise falcon.HTTPForbidden()
        with self.shop.lock:
            if self.shop.parts.pop(part_id, None) is None:
                raise falcon.HTTPNotFound()
        resp.status = falcon.HTTP_204


class _Orders:
    def __init__(self, shop: Workshop) -> None:
        self.shop = shop

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        who = self.shop.caller(req)
        resp.media = [_shown(o) for o in self.shop.orders.values() if o["owner"] == who]

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        who, body = self.shop.caller(req), _body(req)
        if not isinstance(body.get("vehicle"), str):
            raise falcon.HTTPUnprocessableEntity(title="invalid", description="vehicle required")
        with self.shop.lock:
            order = {"id": next(self.shop.order_ids), "vehicle": body["vehicle"][:20],
                     "complaint": str(body.get("complaint", ""))[:200], "owner": who}  # fmt: skip
            self.shop.orders[order["id"]] = order
        resp.status, resp.media = falcon.HTTP_201, _shown(order)

    def on_get_one(self, req: falcon.Request, resp: falcon.Response, order_id: int) -> None:
        resp.media = _shown(self.shop.order(req, order_id, read=True))

    def on_delete_one(self, req: falcon.Request, resp: falcon.Response, order_id: int) -> None:
        with self.shop.lock:
            gone = self.shop.order(req, order_id)["id"]
            del self.shop.orders[gone]
            self.shop.lines = {
                k: v for k, v in self.shop.lines.items() if v["work_order_id"] != gone
            }
        resp.status = falcon.HTTP_204


class _Lines:
    def __init__(self, shop: Workshop) -> None:
        self.shop = shop

    def on_get(self, req: falcon.Request, resp: falcon.Response, order_id: int) -> None:
        self.shop.order(req, order_id)
        resp.media = [ln for ln in self.shop.lines.values() if ln["work_order_id"] == order_id]

    def on_post(self, req: falcon.Request, resp: falcon.Response, order_id: int) -> None:
        self.shop.order(req, order_id)
        body = _body(req)
        part, quantity = body.get("part_id"), body.get("quantity")
        if part not in self.shop.parts or not isinstance(quantity, int) or not 1 <= quantity <= 20:
            raise falcon.HTTPUnprocessableEntity(title="invalid", description="part, quantity")
        with self.shop.lock:
            line = {"id": next(self.shop.line_ids), "work_order_id": order_id,
                    "part_id": part, "quantity": quantity}  # fmt: skip
            self.shop.lines[line["id"]] = line
        resp.status, resp.media = falcon.HTTP_201, line

    def _line(self, req: falcon.Request, order_id: int, line_id: int, read: bool) -> int:
        self.shop.order(req, order_id, read=read)
        found = self.shop.lines.get(line_id)
        if found is None or found["work_order_id"] != order_id:
            raise falcon.HTTPNotFound()
        return line_id

    def on_get_one(
        self, req: falcon.Request, resp: falcon.Response, order_id: int, line_id: int
    ) -> None:
        resp.media = self.shop.lines[self._line(req, order_id, line_id, read=True)]

    def on_delete_one(
        self, req: falcon.Request, resp: falcon.Response, order_id: int, line_id: int
    ) -> None:
        with self.shop.lock:
            del self.shop.lines[self._line(req, order_id, line_id, read=False)]
        resp.status = falcon.HTTP_204


@pytest.mark.parametrize("flawed", [True, False], ids=["flawed", "fixed"])
def test_a_booked_line_is_not_the_catalogue_part_of_its_number(
    flawed: bool, tmp_path: Path
) -> None:
    """No BOLA on the shared catalogue; the work order and line read BOLA are found."""
    shop = Workshop(flawed=flawed)
    with serving(shop.app, wsgi=True) as url:
        result, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "bola")
    assert result.returncode in {0, 1}, result.stdout[-3000:]
    bola = {f["operation"] for f in report["findings"] if f["check"] == "bola"}
    assert "GET /parts/{part_id}" not in bola, report["findings"]
    planted = {"GET /work-orders/{order_id}", "GET /work-orders/{order_id}/parts/{line_id}"}
    assert bola == (planted if flawed else set()), bola
    assert sorted(shop.orders) == [1, 2]
    assert sorted(shop.lines) == [1, 2, 3]


def test_a_catalogue_part_is_never_removed_for_a_line(tmp_path: Path) -> None:
    """A line's part_id is no id of what its creation made, nor /parts/{id} its DELETE.

    Behind its code, the contract neither documents the lines nor gives them an item path:
    the scan learns from the lines themselves that they are links, and the manager (who may
    withdraw parts) deletes none of the catalogue when the scan cleans up.
    """
    shop = Workshop(flawed=False, behind=True)
    with serving(shop.app, wsgi=True) as url:
        result, report = scan_with_identities(
            url, IDENTITIES + MANAGER, tmp_path, "--checks", "bola"
        )
    assert result.returncode in {0, 1}, result.stdout[-3000:]
    assert shop.parts == PARTS
    assert [f["operation"] for f in report["findings"] if f["check"] == "bola"] == []
    assert sorted(shop.orders) == [1, 2]
    assert sorted(shop.lines) == [1, 2, 3]
