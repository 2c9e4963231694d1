"""Made identities on a Starlette API of another shape: e-mail sign-up at /users, OAuth2 form login."""

from __future__ import annotations

import asyncio
import itertools
import secrets
from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from apiward.core.registry import Registry
from apiward.scan import Results, ScanConfig, scan
from apiward.scan.check import AnyCheck
from apiward.scan.checks import builtin_checks
from apiward.scan.provision import MADE_ROLE
from apiward.spec import load

CREDENTIALS = {
    "type": "object",
    "required": ["email", "password", "display_name"],
    "properties": {
        "email": {"type": "string", "format": "email"},
        "password": {"type": "string", "minLength": 10},
        "display_name": {"type": "string", "maxLength": 30},
    },
}
FORM = {
    "type": "object",
    "required": ["username", "password"],
    "properties": {
        "grant_type": {"type": "string", "enum": ["password"]},
        "username": {"type": "string"},
        "password": {"type": "string"},
    },
}


def _contract() -> dict[str, Any]:
    def answer(schema: dict[str, Any]) -> dict[str, Any]:
        return {"description": "ok", "content": {"application/json": {"schema": schema}}}

    order = {
        "type": "object",
        "properties": {"id": {"type": "integer"}, "item": {"type": "string"}},
    }
    order_id = {"name": "order_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    new_order = {"type": "object", "required": ["item"], "properties": {"item": {"type": "string"}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "shop", "version": "1"},
        "security": [{"oauth": []}],
        "components": {
            "securitySchemes": {
                "oauth": {
                    "type": "oauth2",
                    "flows": {"password": {"tokenUrl": "/token", "scopes": {}}},
                }
            }
        },
        "paths": {
            "/users": {
                "post": {
                    "security": [],
                    "requestBody": {"content": {"application/json": {"schema": CREDENTIALS}}},
                    "responses": {"201": answer({"type": "object"})},
                }
            },
            "/token": {
                "post": {
                    "security": [],
                    "requestBody": {
                        "content": {"application/x-www-form-urlencoded": {"schema": FORM}}
                    },
                    "responses": {
                        "200": answer(
                            {"type": "object", "properties": {"access_token": {"type": "string"}}}
                        )
                    },
                }
            },
            "/orders": {
                "post": {
                    "requestBody": {"content": {"application/json": {"schema": new_order}}},
                    "responses": {"201": answer(order)},
                }
            },
            "/orders/{order_id}": {
                "get": {"parameters": [order_id], "responses": {"200": answer(order)}},
                "delete": {"parameters": [order_id], "responses": {"204": {"description": "gone"}}},
            },
        },
    }


class Users(dict[str, str]):
    """E-mail → password, and who ever logged in."""

    def __init__(self) -> None:
        super().__init__()
        self.logged_in: set[str] = set()


def shop(*, owner_only: bool) -> tuple[Starlette, Users]:
    """The shop and its users (e-mail → password); an order's owner may cancel it (a default
    scan places no order that nothing cancels). ``owner_only`` guards the reads too."""
    users = Users()
    tokens: dict[str, str] = {}
    orders: dict[int, dict[str, Any]] = {}
    ids = itertools.count(100)

    def who(request: Request) -> str | None:
        return tokens.get(request.headers.get("authorization", "").removeprefix("Bearer "))

    async def contract(request: Request) -> Response:
        return JSONResponse(_contract())

    async def sign_up(request: Request) -> Response:
        data = await request.json()
        if data.get("email") in users or len(str(data.get("password", ""))) < 10:
            return JSONResponse({"detail": "cannot register"}, status_code=400)
        users[data["email"]] = data["password"]
        return JSONResponse({"id": len(users), "email": data["email"]}, status_code=201)

    async def token(request: Request) -> Response:
        form = await request.form()
        if users.get(str(form.get("username"))) != form.get("password"):
            return JSONResponse({"detail": "Incorrect username or password"}, status_code=400)
        value = secrets.token_urlsafe(16)
        tokens[value] = str(form["username"])
        users.logged_in.add(str(form["username"]))
        return JSONResponse({"access_token": value, "token_type": "bearer"})

    async def create(request: Request) -> Response:
        me = who(request)
        if me is None:
            return JSONResponse({"detail": "Not authenticated"}, status_code=401)
        order = {"id": next(ids), "item": str((await request.json())["item"]), "owner": me}
        orders[order["id"]] = order
        return JSONResponse({"id": order["id"], "item": order["item"]}, status_code=201)

    async def read(request: Request) -> Response:
        me = who(request)
        order = orders.get(int(request.path_params["order_id"]))
        if me is None:
            return JSONResponse({"detail": "Not authenticated"}, status_code=401)
        if order is None or (owner_only and order["owner"] != me):
            return JSONResponse({"detail": "Not found"}, status_code=404)
        return JSONResponse({"id": order["id"], "item": order["item"]})

    async def cancel(request: Request) -> Response:
        order = orders.get(int(request.path_params["order_id"]))
        if order is None or order["owner"] != who(request):
            return JSONResponse({"detail": "Not found"}, status_code=404)
        del orders[order["id"]]
        return Response(status_code=204)

    routes = [
        Route("/openapi.json", contract),
        Route("/users", sign_up, methods=["POST"]),
        Route("/token", token, methods=["POST"]),
        Route("/orders", create, methods=["POST"]),
        Route("/orders/{order_id:int}", read, methods=["GET"]),
        Route("/orders/{order_id:int}", cancel, methods=["DELETE"]),
    ]
    return Starlette(routes=routes), users


def _made(users: Users) -> dict[str, str]:
    """The users the scan signed up as identities: those that logged in (harvest's own
    creations on /users never do)."""
    return {email: pw for email, pw in users.items() if email in users.logged_in}


def _scan(url: str) -> Results:
    api = load(f"{url}/openapi.json", allow_private=True)
    checks = Registry[AnyCheck]("check", ((c.id, c) for c in builtin_checks() if c.id == "bola"))
    return asyncio.run(scan(api, ScanConfig(target=url), checks))


def test_an_email_sign_up_and_a_form_login_make_two_peers_that_find_the_bola(
    serve: Callable[[Any], Any],
) -> None:
    """No identities file: /users + /token are found; the e-mail logs in as username; BOLA fires."""
    app, users = shop(owner_only=False)
    results = _scan(serve(app).url)
    made = _made(users)
    assert len(made) == 2, users
    assert all(email.endswith("@example.com") for email in made)
    assert any(
        f.check == "bola" and f.operation == "GET /orders/{order_id}" for f in results.findings
    )
    (note,) = [n for n in results.notes if "signed up" in n]
    assert "POST /users" in note
    assert repr(MADE_ROLE) in note
    for password in made.values():
        assert password in results.secrets, "a made user's password is redacted"


def test_the_owner_only_shop_has_no_bola(serve: Callable[[Any], Any]) -> None:
    """The same made users on orders readable by their owner only: no BOLA."""
    app, users = shop(owner_only=True)
    results = _scan(serve(app).url)
    assert len(_made(users)) == 2, users
    assert not [f for f in results.findings if f.check == "bola"]
    assert ("bola", "GET /orders/{order_id}") in results.ran
