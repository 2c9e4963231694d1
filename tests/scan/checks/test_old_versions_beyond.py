"""Older versions where other people's APIs keep them: in the base path, and giving more.

Two Falcon APIs laid out the ways the trials' were:

* **A base path version** (Express's ``app.use('/api/v1', router)``): the contract's
  server is ``/api/v1`` and no path carries a version, while a forgotten
  ``/api/v0/orders/{id}`` still answers, with no login, under its own names
  (``order_id``). ``old_versions`` only ever lowered a version segment of the paths,
  and sent nothing.
* **An old version that gives more** (NestJS's ``version: '1'`` controller): the current
  ``/api/v2/users/{username}`` is a public profile, and ``/api/v1/users/{username}``
  gives the whole record, e-mail and password hash included. Its answer shared too few
  keys with the profile to count as "alike", and went unreported.

* **A first version beside an unversioned API** (Django Ninja's ``/api/`` router beside
  the ``/api/v1/`` one it replaced): nothing carried a version to lower.

Each flawed twin gives a high finding; each fixed twin, whose old version is gone, none.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import falcon
import falcon.asgi
import pytest
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - {name: alice, role: user, headers: {Authorization: Bearer ov-alice}}
  - {name: bob, role: user, headers: {Authorization: Bearer ov-bob}}
"""
TOKENS = {"Bearer ov-alice": "alice", "Bearer ov-bob": "bob"}
ORDERS = {"ord_8f3k2": {"buyer": "alice", "total": 40}, "ord_x91ka": {"buyer": "bob", "total": 12}}
USERS = {
    name: {
        "username": name,
        "displayName": name.title(),
        "bio": f"{name} writes here",
        "email": f"{name}@example.org",
        "passwordHash": "$2b$10$" + "N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
    }
    for name in ("alice", "bob")
}
PROFILE = ("username", "displayName", "bio")


def _get(schema: dict[str, Any], parameter: str, *, public: bool = False) -> dict[str, Any]:
    found = {"description": "OK", "content": {"application/json": {"schema": schema}}}
    operation: dict[str, Any] = {
        "parameters": [
            {"name": parameter, "in": "path", "required": True, "schema": {"type": "string"}}
        ],
        "responses": {"200": found, "404": {"description": "Not found"}},
    }
    if public:
        operation["security"] = []
    return {"get": operation}


def _contract(paths: dict[str, Any], server: str) -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "trial", "version": "1.0.0"},
        "servers": [{"url": server}],
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": paths,
    }


def _list(schema: dict[str, Any], *, public: bool = False) -> dict[str, Any]:
    many = {"type": "array", "items": schema}
    found = {"description": "OK", "content": {"application/json": {"schema": many}}}
    return {"get": {"responses": {"200": found}, **({"security": []} if public else {})}}


ORDER = {"type": "object", "properties": {"id": {"type": "string"}, "total": {"type": "integer"}}}
SHOP = _contract({"/orders": _list(ORDER), "/orders/{orderId}": _get(ORDER, "orderId")}, "/api/v1")
USER = {"type": "object", "properties": {k: {"type": "string"} for k in PROFILE}}
TEAM = _contract(
    {
        "/api/v2/users": _list(USER, public=True),
        "/api/v2/users/{username}": _get(USER, "username", public=True),
    },
    "/",
)


def _caller(req: falcon.asgi.Request) -> str:
    who = TOKENS.get(req.get_header("Authorization") or "")
    if who is None:
        raise falcon.HTTPUnauthorized(title="Unauthorized")
    return who


class _Document:
    def __init__(self, contract: dict[str, Any]) -> None:
        self.contract = contract

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.media = self.contract


class _Order:
    def __init__(self, *, checked: bool) -> None:
        self.checked = checked

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response, key: str) -> None:
        who = _caller(req) if self.checked else None
        order = ORDERS.get(key)
        if order is None or (self.checked and order["buyer"] != who):
            raise falcon.HTTPNotFound()
        if self.checked:
            resp.media = {"id": key, "total": order["total"]}
        else:  # the legacy router's own names, and the buyer with it
            resp.media = {"order_id": key, "amount": order["total"], "buyer": order["buyer"]}


class _Orders:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        who = _caller(req)
        resp.media = [
            {"id": k, "total": o["total"]} for k, o in ORDERS.items() if o["buyer"] == who
        ]


class _Users:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.media = [{k: user[k] for k in PROFILE} for user in USERS.values()]


class _User:
    def __init__(self, *, whole: bool) -> None:
        self.whole = whole

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response, name: str) -> None:
        user = USERS.get(name)
        if user is None:
            raise falcon.HTTPNotFound()
        resp.media = dict(user) if self.whole else {k: user[k] for k in PROFILE}


BOOK = _contract(
    {"/api/orders": _list(ORDER), "/api/orders/{orderId}": _get(ORDER, "orderId")}, "/"
)


def orders(contract: dict[str, Any], current: str, legacy: str, *, flawed: bool) -> falcon.asgi.App:
    """Orders under ``current``; ``flawed`` still serves them under ``legacy`` without a login."""
    app = falcon.asgi.App()
    app.add_route("/openapi.json", _Document(contract))
    app.add_route(f"{current}/orders", _Orders())
    app.add_route(f"{current}/orders/{{key}}", _Order(checked=True))
    if flawed:
        app.add_route(f"{legacy}/orders/{{key}}", _Order(checked=False))
    return app


def shop(*, flawed: bool) -> falcon.asgi.App:
    """Express's ``/api/v1`` router beside a forgotten ``/api/v0``."""
    return orders(SHOP, "/api/v1", "/api/v0", flawed=flawed)


def books(*, flawed: bool) -> falcon.asgi.App:
    """Ninja's unversioned ``/api`` router beside the ``/api/v1`` one it replaced."""
    return orders(BOOK, "/api", "/api/v1", flawed=flawed)


def team(*, flawed: bool) -> falcon.asgi.App:
    """Public profiles at ``/api/v2``; ``flawed`` still serves whole records at ``/api/v1``."""
    app = falcon.asgi.App()
    app.add_route("/openapi.json", _Document(TEAM))
    app.add_route("/api/v2/users", _Users())
    app.add_route("/api/v2/users/{name}", _User(whole=False))
    if flawed:
        app.add_route("/api/v1/users/{name}", _User(whole=True))
    return app


def _old(app: falcon.asgi.App, tmp_path: Path) -> list[dict[str, Any]]:
    with serving(app) as url:
        result, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "old_versions")
    assert result.returncode in {0, 1}, result.stdout[-3000:] + result.stderr[-3000:]
    return [f for f in report["findings"] if f["check"] == "old_versions"]


@pytest.mark.parametrize("flawed", [True, False], ids=["flawed", "fixed"])
def test_an_older_base_path_still_answering_without_a_login_is_found(
    tmp_path: Path, flawed: bool
) -> None:
    """``/api/v0/orders/{id}`` beside the contract's ``/api/v1``: high, it needs no login.
    Its reproduction replays the old request without credentials, not the current one's
    refusal (the Fastify trial's ``curl`` showed a 401 from ``/v2``)."""
    found = _old(shop(flawed=flawed), tmp_path)
    if not flawed:
        assert found == []
        return
    assert [f["operation"] for f in found] == ["GET /api/v0/orders/{orderId}"]
    assert found[0]["severity"] == "high"
    curl = found[0]["reproduction"]
    assert "/api/v0/orders/" in curl, curl
    assert "authorization" not in curl.lower(), curl


@pytest.mark.parametrize("flawed", [True, False], ids=["flawed", "fixed"])
def test_an_older_version_giving_a_password_hash_is_found(tmp_path: Path, flawed: bool) -> None:
    """``/api/v1/users/{username}`` gives what the public profile does not: high."""
    found = _old(team(flawed=flawed), tmp_path)
    if not flawed:
        assert found == []
        return
    assert [f["operation"] for f in found] == ["GET /api/v1/users/{username}"]
    assert found[0]["severity"] == "high"
    assert "passwordHash" in found[0]["detail"]


@pytest.mark.parametrize("flawed", [True, False], ids=["flawed", "fixed"])
def test_a_first_version_beside_an_unversioned_api_is_found(tmp_path: Path, flawed: bool) -> None:
    """``/api/v1/orders/{id}`` beside ``/api/orders/{id}`` (the Ninja trial's): high."""
    found = _old(books(flawed=flawed), tmp_path)
    if not flawed:
        assert found == []
        return
    assert [f["operation"] for f in found] == ["GET /api/v1/orders/{orderId}"]
    assert found[0]["severity"] == "high"
