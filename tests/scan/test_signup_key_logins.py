"""Accounts the scan signs up, on an API whose login makes an object of its own (an API key).

A Koa tool library logged users in with ``POST /keys``, answered ``{"id": 11, "key": ...}``:
the key's id, not the user's. The scan took the login's ``id`` for the account's, so admin's
``DELETE /users/11`` of another account the scan made was read as this one's removal: the
report said "deleted by a probe" over an account still there. Here (Starlette) every account
the report calls deleted must be gone.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tests.conftest import scan_with_identities

SEEDED = {1: "admin", 2: "alice", 3: "bob"}


def _contract() -> dict[str, Any]:
    def body(*names: str) -> dict[str, Any]:
        properties = {n: {"type": "string"} for n in names}
        schema = {"type": "object", "required": list(names), "properties": properties}
        return {"required": True, "content": {"application/json": {"schema": schema}}}

    ok = {"200": {"description": "ok", "content": {"application/json": {"schema": {}}}}}
    made = {"201": {"description": "made", "content": {"application/json": {"schema": {}}}}}
    user_id = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
    key = [{"key": []}]
    return {
        "openapi": "3.0.3",
        "info": {"title": "tool library", "version": "1"},
        "paths": {
            "/users": {
                "post": {"requestBody": body("username", "email", "password"), "responses": made}
            },
            "/keys": {"post": {"requestBody": body("username", "password"), "responses": made}},
            "/me": {"get": {"security": key, "responses": ok}},
            "/users/{id}": {
                "get": {"security": key, "parameters": user_id, "responses": ok},
                "delete": {
                    "summary": "Admin only: remove a member",
                    "security": key,
                    "parameters": user_id,
                    "responses": {"204": {"description": "removed"}},
                },
            },
        },
        "components": {
            "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Api-Key"}}
        },
    }


class Library:
    """Users and their API keys; key ids and user ids count from the same small numbers."""

    def __init__(self) -> None:
        self.users = {n: {"id": n, "username": u, "password": "pw"} for n, u in SEEDED.items()}
        self.keys: dict[str, int] = {}
        self.user_ids = itertools.count(4)
        self.key_ids = itertools.count(1)

    def app(self) -> Starlette:
        """The API over this library."""

        def caller(request: Request) -> dict[str, Any] | None:
            number = self.keys.get(request.headers.get("x-api-key", ""))
            return self.users.get(number) if number else None

        async def sign_up(request: Request) -> Response:
            given = await request.json()
            name = str(given.get("username", ""))
            if not name or any(u["username"] == name for u in self.users.values()):
                return JSONResponse({"errors": [{"field": "username"}]}, 422)
            number = next(self.user_ids)
            self.users[number] = {"id": number, "username": name, "password": given.get("password")}
            return JSONResponse({"id": number, "username": name}, 201)

        async def keys(request: Request) -> Response:
            given = await request.json()
            user = next(
                (u for u in self.users.values() if u["username"] == given.get("username")), None
            )
            if user is None or user["password"] != given.get("password"):
                return JSONResponse({"errors": [{"message": "bad credentials"}]}, 401)
            key = f"k-{user['id']}-{len(self.keys)}"
            self.keys[key] = user["id"]
            return JSONResponse({"id": next(self.key_ids), "key": key, "user_id": user["id"]}, 201)

        async def me(request: Request) -> Response:
            user = caller(request)
            if user is None:
                return JSONResponse({"errors": [{"message": "no key"}]}, 401)
            return JSONResponse({"id": user["id"], "username": user["username"]})

        async def user(request: Request) -> Response:
            who = caller(request)
            if who is None:
                return JSONResponse({"errors": [{"message": "no key"}]}, 401)
            number = request.path_params["id"]
            if request.method == "DELETE":
                if who["username"] != "admin":
                    return JSONResponse({"errors": [{"message": "admins only"}]}, 403)
                if self.users.pop(number, None) is None:
                    return JSONResponse({"errors": [{"message": "no such user"}]}, 404)
                return Response(status_code=204)
            if number != who["id"] or number not in self.users:
                return JSONResponse({"errors": [{"message": "not found"}]}, 404)
            return JSONResponse({"id": number, "username": self.users[number]["username"]})

        async def contract(request: Request) -> Response:
            return JSONResponse(_contract())

        return Starlette(
            routes=[
                Route("/openapi.json", contract),
                Route("/users", sign_up, methods=["POST"]),
                Route("/keys", keys, methods=["POST"]),
                Route("/me", me),
                Route("/users/{id:int}", user, methods=["GET", "DELETE"]),
            ]
        )


IDENTITIES = "identities:\n" + "".join(
    f"  - name: {name}\n    role: {'admin' if name == 'admin' else 'member'}\n"
    f"    login:\n      operation: POST /keys\n      json: {{username: {name}, password: pw}}\n"
    "      token: key\n      header: X-Api-Key\n      prefix: ''\n"
    for name in SEEDED.values()
)


def test_every_account_said_deleted_is_gone(serve: Callable[..., Any], tmp_path: Path) -> None:
    """The report's deleted accounts are gone from the API."""
    library = Library()
    result, report = scan_with_identities(serve(library.app()).url, IDENTITIES, tmp_path)
    assert result.returncode in (0, 1), result.stdout[-2000:]
    names = {u["username"] for u in library.users.values()}
    said_gone = [
        r["object"].split(" ")[0]
        for r in report["tables"]["target_state"]
        if r["what"] == "account signed up" and r["state"] == "deleted"
    ]
    assert said_gone, report["tables"]["target_state"]
    assert not [n for n in said_gone if n in names], (said_gone, names)
