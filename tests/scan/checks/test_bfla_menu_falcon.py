"""bfla on a public menu in Falcon: customers may not add dishes, yet the flawed one lets them edit.

The restaurant's menu is public (anyone reads it, no token); the chef adds, edits and
removes dishes. Customers order. The flawed API refuses a customer adding a dish
(403) but forgot the role check on ``PATCH /dishes/{dish_id}``: any customer reprices
the chef's dishes. Nothing in the contract says who may do what (no 403 documented, no
scopes, no admin-like names): the refusal to create beside the accepted edit is the
evidence. The twin refuses customers every change.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import falcon
import falcon.asgi
import pytest
from ownership_support import scan_app

from apiward.core.findings import Confidence, Severity
from apiward.scan import Identity
from apiward.scan.checks.bfla import Bfla

BEARERS = {"c-ana": ("ana", "customer"), "c-ben": ("ben", "customer"), "c-cho": ("cho", "chef")}
SEEDED = {
    1: {"id": 1, "name": "Ramen", "price_cents": 1250, "spicy": False},
    2: {"id": 2, "name": "Gyoza", "price_cents": 650, "spicy": False},
}


def _contract() -> dict[str, Any]:
    dish = {
        "type": "object",
        "properties": {
            "id": {"type": "integer", "readOnly": True},
            "name": {"type": "string"},
            "price_cents": {"type": "integer", "minimum": 0},
            "spicy": {"type": "boolean"},
        },
        "required": ["name", "price_cents"],
    }
    body = {"required": True, "content": {"application/json": {"schema": dish}}}

    def ok(schema: dict[str, Any], code: str = "200") -> dict[str, Any]:
        return {code: {"description": "OK", "content": {"application/json": {"schema": schema}}}}

    item = [{"name": "dish_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
    return {
        "openapi": "3.1.0",
        "info": {"title": "noodle bar", "version": "0.9.0"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
            "/dishes": {
                "get": {"security": [], "responses": ok({"type": "array", "items": dish})},
                "post": {"requestBody": body, "responses": ok(dish, "201")},
            },
            "/dishes/{dish_id}": {
                "parameters": item,
                "get": {"security": [], "responses": ok(dish)},
                "patch": {"requestBody": body, "responses": ok(dish)},
                "delete": {"responses": {"204": {"description": "Removed"}}},
            },
        },
    }


def _who(req: falcon.Request) -> tuple[str, str]:
    token = (req.get_header("Authorization") or "").removeprefix("Bearer ")
    if token not in BEARERS:
        raise falcon.HTTPUnauthorized(title="401 Unauthorized")
    return BEARERS[token]


def _chef_only(req: falcon.Request) -> None:
    if _who(req)[1] != "chef":
        raise falcon.HTTPForbidden()


class _Dishes:
    def __init__(self, menu: dict[int, dict[str, Any]]) -> None:
        self.menu = menu
        self.serial = itertools.count(3)

    async def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = list(self.menu.values())

    async def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        _chef_only(req)
        body = await req.get_media()
        number = next(self.serial)
        self.menu[number] = {
            "id": number,
            "name": str(body.get("name", "")),
            "price_cents": int(body.get("price_cents", 0)),
            "spicy": bool(body.get("spicy", False)),
        }
        resp.media, resp.status = self.menu[number], falcon.HTTP_201


class _Dish:
    def __init__(self, menu: dict[int, dict[str, Any]], *, checks_role: bool) -> None:
        self.menu, self.checks_role = menu, checks_role

    def _dish(self, dish_id: int) -> dict[str, Any]:
        if dish_id not in self.menu:
            raise falcon.HTTPNotFound()
        return self.menu[dish_id]

    async def on_get(self, req: falcon.Request, resp: falcon.Response, dish_id: int) -> None:
        resp.media = self._dish(dish_id)

    async def on_patch(self, req: falcon.Request, resp: falcon.Response, dish_id: int) -> None:
        if self.checks_role:
            _chef_only(req)
        _who(req)
        dish, body = self._dish(dish_id), await req.get_media()
        dish.update({k: body[k] for k in ("name", "price_cents", "spicy") if k in body})
        resp.media = dish

    async def on_delete(self, req: falcon.Request, resp: falcon.Response, dish_id: int) -> None:
        _chef_only(req)
        self.menu.pop(self._dish(dish_id)["id"])
        resp.status = falcon.HTTP_204


class _Contract:
    async def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = _contract()


def noodle_bar(*, checks_role: bool) -> tuple[falcon.asgi.App, dict[int, dict[str, Any]]]:
    """The API and its menu; ``checks_role`` refuses customers the edit too."""
    menu = {k: dict(v) for k, v in SEEDED.items()}
    app = falcon.asgi.App()
    app.add_route("/openapi.json", _Contract())
    app.add_route("/dishes", _Dishes(menu))
    app.add_route("/dishes/{dish_id:int}", _Dish(menu, checks_role=checks_role))
    return app, menu


def _people() -> tuple[Identity, ...]:
    def bearer(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    return tuple(
        Identity(name=name, role=role, rank=2 if role == "chef" else 1, headers=bearer(token))
        for token, (name, role) in BEARERS.items()
    )


@pytest.mark.parametrize("checks_role", [False, True], ids=["flawed", "fixed"])
def test_a_customer_repricing_a_dish_it_may_not_add_is_high(
    serve: Callable[..., Any], checks_role: bool
) -> None:
    """Refused adding a dish, accepted changing the chef's: high, confirmed; the twin: nothing."""
    app, menu = noodle_bar(checks_role=checks_role)
    server = serve(app)
    results = scan_app(server.url, Bfla(), _people())
    assert results.errors == []
    assert menu == SEEDED  # the chef's dishes the scan made are gone, the seeded ones intact
    loud = {f.operation: f for f in results.findings if f.severity >= Severity.MEDIUM}
    if checks_role:
        assert loud == {}
        return
    assert set(loud) == {"PATCH /dishes/{dish_id}"}
    finding = loud["PATCH /dishes/{dish_id}"]
    assert (finding.severity, finding.confidence) == (Severity.HIGH, Confidence.CONFIRMED)
    assert finding.title.startswith(("ana (customer)", "ben (customer)"))
    assert "is refused adding items there (403)" in finding.detail
