"""Objects the scan creates in a shared collection are shared: a Flask buying desk.

Every member lists and reads every vendor, and any member may add one (a shared
catalogue); purchases are each member's own (``GET /purchases`` lists the caller's).
The flawed desk hands any member any purchase (a BOLA); the twin answers 404. A vendor
the scan made as one member and a peer then read is no finding, nor is naming it in a
new purchase, nor counting vendor ids.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask, g, jsonify, request

from apiward.core.findings import Severity
from apiward.core.registry import Registry
from apiward.scan import Identity, Results, ScanConfig, scan
from apiward.scan.checks.bola import Bola
from apiward.scan.checks.id_enumeration import IdEnumeration
from apiward.spec import load

TOKENS = {"tk-ines": "ines", "tk-omar": "omar", "tk-yuki": "yuki"}


def _contract() -> dict[str, Any]:
    def answer(schema: dict[str, Any]) -> dict[str, Any]:
        body = {"type": "object", "properties": {"data": schema}}
        return {"description": "ok", "content": {"application/json": {"schema": body}}}

    def ask(schema: dict[str, Any]) -> dict[str, Any]:
        return {"required": True, "content": {"application/json": {"schema": schema}}}

    vendor = {
        "type": "object",
        "properties": {
            "vendor_no": {"type": "integer"},
            "company": {"type": "string"},
            "contact_email": {"type": "string", "format": "email"},
        },
    }
    new_vendor = {
        "type": "object",
        "required": ["company", "contact_email"],
        "properties": {
            "company": {"type": "string", "maxLength": 60},
            "contact_email": {"type": "string", "format": "email"},
        },
    }
    purchase = {
        "type": "object",
        "properties": {
            "purchase_no": {"type": "integer"},
            "vendor_no": {"type": "integer"},
            "amount": {"type": "integer"},
            "buyer": {"type": "string"},
            "buyer_email": {"type": "string"},
        },
    }
    new_purchase = {
        "type": "object",
        "required": ["vendor_no", "amount"],
        "properties": {
            "vendor_no": {"type": "integer"},
            "amount": {"type": "integer", "minimum": 1, "maximum": 1000},
        },
    }

    def item(name: str) -> list[dict[str, Any]]:
        return [{"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}]

    gone = {"204": {"description": "deleted"}, "404": {"description": "no such"}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "buying desk", "version": "2"},
        "components": {
            "securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "X-Token"}}
        },
        "security": [{"token": []}],
        "paths": {
            "/vendors": {
                "get": {"responses": {"200": answer({"type": "array", "items": vendor})}},
                "post": {
                    "requestBody": ask(new_vendor),
                    "responses": {"201": answer(vendor)},
                },
            },
            "/vendors/{vendor_no}": {
                "get": {"parameters": item("vendor_no"), "responses": {"200": answer(vendor)}},
                "delete": {"parameters": item("vendor_no"), "responses": gone},
            },
            "/purchases": {
                "get": {"responses": {"200": answer({"type": "array", "items": purchase})}},
                "post": {
                    "requestBody": ask(new_purchase),
                    "responses": {"201": answer(purchase)},
                },
            },
            "/purchases/{purchase_no}": {
                "get": {"parameters": item("purchase_no"), "responses": {"200": answer(purchase)}},
                "delete": {"parameters": item("purchase_no"), "responses": gone},
            },
        },
    }


def desk(*, owner_checked: bool) -> Flask:
    """The buying desk; ``owner_checked`` answers 404 for another member's purchase."""
    app = Flask("buying_desk")
    lock = threading.Lock()
    numbers = itertools.count(10)
    vendors: dict[int, dict[str, Any]] = {
        1: {"vendor_no": 1, "company": "Acme Tools", "contact_email": "sales@acme.test"},
        2: {"vendor_no": 2, "company": "Birch Paper", "contact_email": "desk@birch.test"},
    }
    makers: dict[int, str] = {}
    purchases: dict[int, dict[str, Any]] = {
        n: {
            "purchase_no": n,
            "vendor_no": 1,
            "amount": 40 * n,
            "buyer": who,
            "buyer_email": f"{who}@desk.test",
        }
        for n, who in ((1, "ines"), (2, "ines"), (3, "omar"), (4, "yuki"))
    }

    def failure(status: int, reason: str) -> Any:
        return jsonify(error={"status": status, "reason": reason}), status

    @app.before_request
    def who() -> Any:
        if request.path == "/openapi.json":
            return None
        g.who = TOKENS.get(request.headers.get("X-Token", ""))
        return None if g.who else failure(401, "token missing or unknown")

    @app.get("/openapi.json")
    def contract() -> Any:
        return jsonify(_contract())

    @app.get("/vendors")
    def vendor_list() -> Any:
        return jsonify(data=list(vendors.values()))

    @app.post("/vendors")
    def vendor_add() -> Any:
        body = request.get_json(silent=True) or {}
        if not isinstance(body.get("company"), str) or not isinstance(
            body.get("contact_email"), str
        ):
            return failure(422, "company and contact_email are required")
        with lock:
            number = next(numbers)
            vendors[number] = {
                "vendor_no": number,
                "company": body["company"][:60],
                "contact_email": body["contact_email"],
            }
            makers[number] = g.who
        return jsonify(data=vendors[number]), 201

    @app.get("/vendors/<int:number>")
    def vendor_read(number: int) -> Any:
        if number not in vendors:
            return failure(404, "no such vendor")
        return jsonify(data=vendors[number])

    @app.delete("/vendors/<int:number>")
    def vendor_drop(number: int) -> Any:
        if number not in vendors or makers.get(number) != g.who:
            return failure(404, "no such vendor")
        vendors.pop(number)
        return "", 204

    @app.get("/purchases")
    def purchase_list() -> Any:
        return jsonify(data=[p for p in purchases.values() if p["buyer"] == g.who])

    @app.post("/purchases")
    def purchase_add() -> Any:
        body = request.get_json(silent=True) or {}
        amount, vendor = body.get("amount"), body.get("vendor_no")
        if vendor not in vendors or not isinstance(amount, int) or not 1 <= amount <= 1000:
            return failure(422, "a known vendor_no and an amount 1..1000 are required")
        with lock:
            number = next(numbers)
            purchases[number] = {
                "purchase_no": number,
                "vendor_no": vendor,
                "amount": amount,
                "buyer": g.who,
                "buyer_email": f"{g.who}@desk.test",
            }
        return jsonify(data=purchases[number]), 201

    def mine(number: int, *, reading: bool) -> dict[str, Any] | None:
        found = purchases.get(number)
        if found is None or (found["buyer"] != g.who and (owner_checked or not reading)):
            return None
        return found

    @app.get("/purchases/<int:number>")
    def purchase_read(number: int) -> Any:
        found = mine(number, reading=True)
        return jsonify(data=found) if found else failure(404, "no such purchase")

    @app.delete("/purchases/<int:number>")
    def purchase_drop(number: int) -> Any:
        if mine(number, reading=False) is None:
            return failure(404, "no such purchase")
        purchases.pop(number)
        return "", 204

    return app


def _members() -> tuple[Identity, ...]:
    return tuple(
        Identity(name=name, role="buyer", headers={"X-Token": token})
        for token, name in TOKENS.items()
    )


def _scan(url: str) -> Results:
    api = load(f"{url}/openapi.json", allow_private=True)
    config = ScanConfig(target=url, identities=_members())
    checks = Registry("check", [("bola", Bola()), ("id_enumeration", IdEnumeration())])
    return asyncio.run(scan(api, config, checks))


@pytest.mark.parametrize("owner_checked", [False, True], ids=["flawed", "fixed"])
def test_a_vendor_the_scan_made_in_a_shared_catalogue_is_nobodys(
    serve: Callable[..., Any], owner_checked: bool
) -> None:
    """No bola nor id_enumeration on vendors; the purchases' BOLA found, its twin clean."""
    server = serve(desk(owner_checked=owner_checked), wsgi=True)
    results = _scan(server.url)
    assert results.errors == []
    loud = {(f.check, f.operation) for f in results.findings if f.severity > Severity.LOW}
    assert not {op for _, op in loud if "vendor" in op.lower()}, loud
    assert not {op for _, op in loud if op.startswith("POST")}, loud
    if owner_checked:
        assert loud == set()
    else:
        assert ("bola", "GET /purchases/{purchase_no}") in loud
