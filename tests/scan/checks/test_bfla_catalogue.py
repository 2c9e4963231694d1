"""bfla on a shared catalogue: a dish the chef makes, a customer changes or deletes, found by effect.

A Flask menu API written the way its authors write it: anyone reads the menu (a
page-number envelope ``{"count", "next", "previous", "results"}``), dishes are
addressed by slug, creation answers 201 and deletion 204. The contract carries no
hint at all (no 403 documented, no scopes, no admin-like names). The vulnerable app
lets any logged-in user add, reprice or delete dishes; the secure twin only the chef.
The identities file ranks the chef above the two customers with ``rank:``.
"""

from __future__ import annotations

import asyncio
import copy
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, abort, jsonify, request

from apiward.core.findings import Confidence, Finding, Severity
from apiward.core.registry import Registry
from apiward.scan import Results, ScanConfig, load_identities, scan
from apiward.scan.check import AnyCheck
from apiward.scan.checks.bfla import Bfla
from apiward.spec import load
from serving import serving

TOKENS = {"t-gordon": "gordon", "t-alice": "alice", "t-bob": "bob"}
ROLES = {"gordon": "Chef", "alice": "Customer", "bob": "Customer"}
IDENTITIES = """\
identities:
  - {name: alice, role: Customer, rank: 1, headers: {Authorization: "Bearer t-alice"}}
  - {name: bob, role: Customer, rank: 1, headers: {Authorization: "Bearer t-bob"}}
  - {name: gordon, role: Chef, rank: 2, headers: {Authorization: "Bearer t-gordon"}}
"""
SEEDED = {
    "margherita": {"id": 1, "slug": "margherita", "name": "Margherita", "price": 9.5, "available": True},
    "carbonara": {"id": 2, "slug": "carbonara", "name": "Carbonara", "price": 12.0, "available": True},
}  # fmt: skip


def _contract() -> dict[str, Any]:
    dish = {
        "type": "object",
        "properties": {
            "id": {"type": "integer", "readOnly": True},
            "slug": {"type": "string", "readOnly": True},
            "name": {"type": "string", "maxLength": 80},
            "price": {"type": "number", "minimum": 0},
            "available": {"type": "boolean"},
        },
        "required": ["name", "price"],
    }
    page = {
        "type": "object",
        "properties": {
            "count": {"type": "integer"},
            "next": {"type": ["string", "null"]},
            "previous": {"type": ["string", "null"]},
            "results": {"type": "array", "items": dish},
        },
    }
    token = [{"tokenAuth": []}]

    def answer(code: str, schema: dict[str, Any] | None) -> dict[str, Any]:
        content = {"application/json": {"schema": schema}} if schema else {}
        return {code: {"description": "", "content": content} if content else {"description": ""}}

    body = {"content": {"application/json": {"schema": dish}}, "required": True}
    item = [{"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}]
    return {
        "openapi": "3.0.3",
        "info": {"title": "Menu", "version": "1.0.0"},
        "components": {"securitySchemes": {"tokenAuth": {"type": "http", "scheme": "bearer"}}},
        "paths": {
            "/api/menu/": {
                "get": {"security": [{}], "responses": answer("200", page)},
                "post": {"security": token, "requestBody": body, "responses": answer("201", dish)},
            },
            "/api/menu/{slug}/": {
                "parameters": item,
                "get": {"security": [{}], "responses": answer("200", dish)},
                "patch": {"security": token, "requestBody": body, "responses": answer("200", dish)},
                "delete": {"security": token, "responses": answer("204", None)},
            },
        },
    }


def menu_app(*, vulnerable: bool) -> tuple[Flask, dict[str, dict[str, Any]]]:
    """The menu API and its dishes (by slug)."""
    app = Flask(__name__)
    menu = copy.deepcopy(SEEDED)

    def may_change() -> None:
        header = request.headers.get("Authorization", "")
        user = TOKENS.get(header.removeprefix("Bearer "))
        if user is None:
            abort(401)
        if not vulnerable and ROLES[user] != "Chef":
            abort(403)

    def dish(slug: str) -> dict[str, Any]:
        if slug not in menu:
            abort(404)
        return menu[slug]

    @app.get("/openapi.json")
    def contract() -> Any:
        return jsonify(_contract())

    @app.get("/api/menu/")
    def listing() -> Any:
        dishes = list(menu.values())
        return jsonify(count=len(dishes), next=None, previous=None, results=dishes)

    @app.post("/api/menu/")
    def create() -> Any:
        may_change()
        body = request.get_json(silent=True) or {}
        name = str(body.get("name") or "")
        if not name or not isinstance(body.get("price"), int | float):
            return jsonify(name=["This field is required."]), 400
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        made = {"id": max(d["id"] for d in menu.values()) + 1, "slug": slug, "name": name}
        made |= {"price": body["price"], "available": bool(body.get("available", True))}
        menu[slug] = made
        return jsonify(made), 201

    @app.get("/api/menu/<slug>/")
    def show(slug: str) -> Any:
        return jsonify(dish(slug))

    @app.patch("/api/menu/<slug>/")
    def edit(slug: str) -> Any:
        may_change()
        found = dish(slug)
        body = request.get_json(silent=True) or {}
        found.update({k: body[k] for k in ("name", "price", "available") if k in body})
        return jsonify(found)

    @app.delete("/api/menu/<slug>/")
    def remove(slug: str) -> Any:
        may_change()
        menu.pop(dish(slug)["slug"])
        return "", 204

    return app, menu


def _scan(vulnerable: bool, folder: Path, **options: Any) -> tuple[Results, dict[str, Any]]:
    path = folder / "identities.yaml"
    path.write_text(IDENTITIES)
    app, menu = menu_app(vulnerable=vulnerable)
    with serving(app, wsgi=True) as url:
        api = load(f"{url}/openapi.json", allow_private=True)
        config = ScanConfig(target=url, identities=load_identities(path), **options)
        registry = Registry[AnyCheck]("check", [("bfla", Bfla())])
        results = asyncio.run(scan(api, config, registry))
    return results, menu


def _found(results: Results) -> dict[str, Finding]:
    return {f.operation or "": f for f in results.findings if f.check == "bfla"}


@pytest.fixture(scope="module")
def vulnerable(tmp_path_factory: pytest.TempPathFactory) -> tuple[Results, dict[str, Any]]:
    """The vulnerable menu scanned with bfla alone; the menu as the scan left it."""
    return _scan(True, tmp_path_factory.mktemp("vulnerable"))


def test_a_customer_changing_the_chefs_dish_is_found_by_read_back(vulnerable: Any) -> None:
    """PATCH on a dish the chef made, by a customer, shows in the chef's read: high, confirmed."""
    finding = _found(vulnerable[0]).get("PATCH /api/menu/{slug}/")
    assert finding is not None, sorted(_found(vulnerable[0]))
    assert (finding.severity, finding.confidence) == (Severity.HIGH, Confidence.CONFIRMED)
    assert (finding.owasp, finding.cwe) == ("API5:2023", "CWE-285")
    assert finding.title.startswith(("alice (Customer)", "bob (Customer)"))
    assert "made as gordon" in finding.detail
    legit, attack, read_back = finding.evidence
    assert (legit.response.status, attack.response.status, read_back.response.status) == (
        200,
        200,
        200,
    )


def test_a_customer_deleting_the_chefs_dish_is_found_by_read_back(vulnerable: Any) -> None:
    """DELETE of a dish the chef made, by a customer, leaves the chef's read answering 404."""
    finding = _found(vulnerable[0]).get("DELETE /api/menu/{slug}/")
    assert finding is not None, sorted(_found(vulnerable[0]))
    assert finding.severity is Severity.HIGH
    created, attack, read_back = finding.evidence
    assert (created.response.status, attack.response.status) == (201, 204)
    assert read_back.response.status == 404


def test_the_seeded_menu_is_unchanged_and_the_scans_dishes_are_gone(vulnerable: Any) -> None:
    """Only dishes the scan made were attacked, and the restore phase deleted every one of them."""
    results, menu = vulnerable
    assert menu == SEEDED
    assert results.errors == []


def test_nothing_on_the_secure_twin(tmp_path: Path) -> None:
    """Where only the chef changes the menu, no bfla finding; the menu is as seeded."""
    results, menu = _scan(False, tmp_path)
    assert [f for f in results.findings if f.severity >= Severity.MEDIUM] == []
    assert menu == SEEDED
    assert results.errors == []


def test_safe_mode_never_writes(tmp_path: Path) -> None:
    """Under --safe no write or delete is tried, so nothing is found and nothing is made."""
    results, menu = _scan(True, tmp_path, safe=True)
    assert _found(results) == {}
    assert menu == SEEDED
