"""bfla with three roles: a middle role reading the lowest role's records oversees them.

A housing co-op API in Starlette, its contract written by hand: residents read their
own unit (``GET /units/{unit_id}``, a bare documented 403 for anyone else's), wardens
look after every unit, and the one admin reads everything. A warden reading a
resident's unit gets the admin's very answer with the resident's name in it: that is
the warden's job, not a function of the admin's. The lowest role's data is not "data of
other roles" for a role ranked above it.
"""

from __future__ import annotations

from typing import Any

from ownership_support import scan_app
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from apiward.core.findings import Severity
from apiward.scan import Identity
from apiward.scan.checks.bfla import Bfla
from apiward.scan.identities import Login
from serving import serving

PEOPLE = {
    "t-ana": ("ana", "resident"),
    "t-ben": ("ben", "resident"),
    "t-wes": ("wes", "warden"),
    "t-ada": ("ada", "admin"),
}
IDENTITIES = tuple(
    Identity(
        name=name,
        role=role,
        login=Login(
            method="POST", path="/login", body={"username": name, "password": f"pw-{name}"}
        ),
    )
    for name, role in PEOPLE.values()
)
UNITS = {
    11: {"owner": "ana", "floor": 1, "keys_issued": 2, "notes": "dog on site"},
    12: {"owner": "ben", "floor": 1, "keys_issued": 1, "notes": ""},
    21: {"owner": "ana", "floor": 2, "keys_issued": 1, "notes": "storage"},
}
UNIT = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "owner": {"type": "string"},
        "floor": {"type": "integer"},
        "keys_issued": {"type": "integer"},
        "notes": {"type": "string"},
    },
}


def _ok(schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": "OK", "content": {"application/json": {"schema": schema}}}


CONTRACT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "co-op", "version": "1"},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "paths": {
        "/login": {
            "post": {
                "security": [],
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "username": {"type": "string"},
                                    "password": {"type": "string"},
                                },
                            }
                        }
                    }
                },
                "responses": {"200": _ok({"type": "object"})},
            }
        },
        "/units": {
            "get": {
                "summary": "Units (wardens and admins see every unit)",
                "responses": {"200": _ok({"type": "array", "items": UNIT})},
            }
        },
        "/units/{unit_id}": {
            "get": {
                "parameters": [
                    {
                        "name": "unit_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer"},
                    }
                ],
                "responses": {"200": _ok(UNIT), "403": {"description": "Forbidden"}},
            }
        },
    },
}


def coop_app() -> Starlette:
    """The co-op API: residents see their own units, wardens and the admin every unit."""

    def caller(request: Request) -> tuple[str, str] | None:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        return PEOPLE.get(token)

    def shown(unit_id: int) -> dict[str, Any]:
        return {"id": unit_id, **UNITS[unit_id]}

    async def units(request: Request) -> JSONResponse:
        who = caller(request)
        if who is None:
            return JSONResponse({"error": "unauthorized"}, 401)
        name, role = who
        return JSONResponse(
            [shown(i) for i, u in UNITS.items() if role != "resident" or u["owner"] == name]
        )

    async def unit(request: Request) -> JSONResponse:
        who = caller(request)
        if who is None:
            return JSONResponse({"error": "unauthorized"}, 401)
        unit_id = int(request.path_params["unit_id"])
        if unit_id not in UNITS:
            return JSONResponse({"error": "not found"}, 404)
        name, role = who
        if role == "resident" and UNITS[unit_id]["owner"] != name:
            return JSONResponse({"error": "Forbidden"}, 403)
        return JSONResponse(shown(unit_id))

    async def login(request: Request) -> JSONResponse:
        body = await request.json()
        for token, (name, _) in PEOPLE.items():
            if body.get("username") == name and body.get("password") == f"pw-{name}":
                return JSONResponse({"access_token": token, "token_type": "bearer"})
        return JSONResponse({"error": "invalid credentials"}, 401)

    async def contract(_: Request) -> JSONResponse:
        return JSONResponse(CONTRACT)

    return Starlette(
        routes=[
            Route("/openapi.json", contract),
            Route("/login", login, methods=["POST"]),
            Route("/units", units),
            Route("/units/{unit_id:int}", unit),
        ]
    )


def test_a_warden_reading_residents_units_is_no_function_of_the_admin() -> None:
    """Residents' names in a warden's answer are the units it looks after: nothing medium or above."""
    with serving(coop_app()) as url:
        results = scan_app(url, Bfla(), IDENTITIES)
    serious = [f for f in results.findings if f.severity >= Severity.MEDIUM]
    assert not serious, [(f.operation, f.title) for f in serious]
    assert any(s.path == "/units/{unit_id}" for s in results.requests)
