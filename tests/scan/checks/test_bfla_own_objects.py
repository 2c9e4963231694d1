"""bfla on owners' writes: a bare documented 403 on an object's write is no role rule.

A recipe site in Starlette, answering errors the way Fastify does
(``{"statusCode": 403, "error": "Forbidden", "message": ...}``). Cooks add recipes and
edit their own: ``PATCH /api/recipes/{id}`` documents a bare 403 (the handler refuses
non-owners) and its ``GET`` documents none; each cook's cookbook, seeded and listed to
everyone under its owner's name, is written the same way. Site settings are shared:
``PATCH /api/settings/{key}`` documents the same bare 403, and only the admin may change
one. The flawed site forgets that check; its twin keeps it. Editing one's own recipe is
what the operation is for; a cook changing a site setting is BFLA.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from apiward.core.findings import Severity
from apiward.scan import Identity, Results, ScanConfig, scan
from apiward.scan.checks import builtin_checks
from apiward.spec import load
from serving import serving

TOKENS = {"t-alice": ("alice", "cook"), "t-bob": ("bob", "cook"), "t-root": ("root", "admin")}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


RECIPE = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "title": {"type": "string"},
        "minutes": {"type": "integer"},
        "author": {"type": "string"},
    },
}
SETTING = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "value": {"type": "integer"},
    },
}
COOKBOOK = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "owner": {"type": "string"},
        "servings": {"type": "integer"},
    },
}
FORBIDDEN = {"description": "Forbidden"}


def _item(name: str, kind: str, schema: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    return {
        "parameters": [{"name": name, "in": "path", "required": True, "schema": {"type": kind}}],
        "get": {"responses": {"200": _json(schema)}},
        "patch": {
            "requestBody": {"content": {"application/json": {"schema": body}}},
            "responses": {"200": _json(schema), "403": FORBIDDEN},
        },
    }


CONTRACT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "recipes", "version": "1"},
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/api/recipes": {
            "get": {"responses": {"200": _json({"type": "array", "items": RECIPE})}},
            "post": {
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "title": {"type": "string"},
                                    "minutes": {"type": "integer"},
                                },
                            }
                        }
                    }
                },
                "responses": {"201": _json(RECIPE)},
            },
        },
        "/api/recipes/{id}": _item(
            "id",
            "integer",
            RECIPE,
            {
                "type": "object",
                "properties": {"title": {"type": "string"}, "minutes": {"type": "integer"}},
            },
        ),
        "/api/cookbooks": {
            "get": {"responses": {"200": _json({"type": "array", "items": COOKBOOK})}}
        },
        "/api/cookbooks/{id}": _item(
            "id",
            "integer",
            COOKBOOK,
            {"type": "object", "properties": {"servings": {"type": "integer"}}},
        ),
        "/api/settings": {
            "get": {"responses": {"200": _json({"type": "array", "items": SETTING})}}
        },
        "/api/settings/{id}": _item(
            "id",
            "integer",
            SETTING,
            {"type": "object", "properties": {"value": {"type": "integer"}}},
        ),
    },
}


def _error(status: int, error: str, message: str) -> JSONResponse:
    return JSONResponse({"statusCode": status, "error": error, "message": message}, status)


def recipe_site(*, settings_checked: bool) -> Starlette:
    """The site; ``settings_checked`` keeps site settings to the admin."""
    recipes: dict[int, dict[str, Any]] = {
        1: {"id": 1, "title": "Pancakes", "minutes": 20, "author": "alice"},
        2: {"id": 2, "title": "Goulash", "minutes": 90, "author": "bob"},
    }
    cookbooks = {
        5: {"id": 5, "owner": "alice", "servings": 4},
        6: {"id": 6, "owner": "bob", "servings": 2},
    }
    settings = {7: {"id": 7, "name": "max_recipes_per_cook", "value": 50}}
    serial = itertools.count(3)

    def caller(request: Request) -> tuple[str, str] | None:
        return TOKENS.get(request.headers.get("authorization", "").removeprefix("Bearer "))

    async def contract(request: Request) -> JSONResponse:
        return JSONResponse(CONTRACT)

    async def recipe_list(request: Request) -> JSONResponse:
        who = caller(request)
        if who is None:
            return _error(401, "Unauthorized", "Missing token")
        if request.method == "GET":
            return JSONResponse(list(recipes.values()))
        body = await request.json()
        number = next(serial)
        recipes[number] = {
            "id": number,
            "title": str(body.get("title", "")),
            "minutes": int(body.get("minutes") or 0),
            "author": who[0],
        }
        return JSONResponse(recipes[number], 201)

    async def recipe(request: Request) -> JSONResponse:
        who = caller(request)
        if who is None:
            return _error(401, "Unauthorized", "Missing token")
        found = recipes.get(int(request.path_params["id"]))
        if found is None:
            return _error(404, "Not Found", "Recipe not found")
        if request.method == "PATCH":
            if found["author"] != who[0]:
                return _error(403, "Forbidden", "You can only edit your own recipes")
            body = await request.json()
            for name, kind in (("title", str), ("minutes", int)):
                if isinstance(body.get(name), kind):
                    found[name] = body[name]
        return JSONResponse(found)

    async def cookbook_list(request: Request) -> JSONResponse:
        if caller(request) is None:
            return _error(401, "Unauthorized", "Missing token")
        return JSONResponse(list(cookbooks.values()))

    async def cookbook(request: Request) -> JSONResponse:
        who = caller(request)
        if who is None:
            return _error(401, "Unauthorized", "Missing token")
        found = cookbooks.get(int(request.path_params["id"]))
        if found is None:
            return _error(404, "Not Found", "Cookbook not found")
        if request.method == "PATCH":
            if found["owner"] != who[0]:
                return _error(403, "Forbidden", "Not your cookbook")
            servings = (await request.json()).get("servings")
            if isinstance(servings, int):
                found["servings"] = servings
        return JSONResponse(found)

    async def setting_list(request: Request) -> JSONResponse:
        if caller(request) is None:
            return _error(401, "Unauthorized", "Missing token")
        return JSONResponse(list(settings.values()))

    async def setting(request: Request) -> JSONResponse:
        who = caller(request)
        if who is None:
            return _error(401, "Unauthorized", "Missing token")
        found = settings.get(int(request.path_params["id"]))
        if found is None:
            return _error(404, "Not Found", "Setting not found")
        if request.method == "PATCH":
            if settings_checked and who[1] != "admin":
                return _error(403, "Forbidden", "Insufficient permissions")
            value = (await request.json()).get("value")
            if isinstance(value, int):
                found["value"] = value
        return JSONResponse(found)

    return Starlette(
        routes=[
            Route("/openapi.json", contract),
            Route("/api/recipes", recipe_list, methods=["GET", "POST"]),
            Route("/api/recipes/{id:int}", recipe, methods=["GET", "PATCH"]),
            Route("/api/cookbooks", cookbook_list),
            Route("/api/cookbooks/{id:int}", cookbook, methods=["GET", "PATCH"]),
            Route("/api/settings", setting_list),
            Route("/api/settings/{id:int}", setting, methods=["GET", "PATCH"]),
        ]
    )


def _scan(*, settings_checked: bool) -> Results:
    identities = (
        Identity(name="alice", role="cook", headers={"Authorization": "Bearer t-alice"}),
        Identity(name="bob", role="cook", headers={"Authorization": "Bearer t-bob"}),
        Identity(name="root", role="admin", rank=10, headers={"Authorization": "Bearer t-root"}),
    )
    with serving(recipe_site(settings_checked=settings_checked)) as url:
        api = load(f"{url}/openapi.json", allow_private=True)
        config = ScanConfig(target=url, identities=identities, checks=("bfla",))
        return asyncio.run(scan(api, config, builtin_checks()))


@pytest.fixture(scope="module")
def flawed() -> Results:
    """The site whose settings any cook may change, scanned with bfla alone."""
    return _scan(settings_checked=False)


def _loud(results: Results, operation: str) -> list[str]:
    return [
        f"{f.severity} {f.title}: {f.detail}"
        for f in results.findings
        if f.operation == operation and f.severity >= Severity.MEDIUM
    ]


def test_a_cook_editing_her_own_recipe_is_no_bfla(flawed: Results) -> None:
    """The PATCH's bare 403 refuses non-owners: an owner's edit raises nothing above low."""
    assert flawed.errors == []
    assert _loud(flawed, "PATCH /api/recipes/{id}") == []


def test_a_cook_editing_her_seeded_cookbook_listed_to_all_is_no_bfla(flawed: Results) -> None:
    """Listed to everyone, yet it names her as its owner: her edit is hers to make."""
    assert _loud(flawed, "PATCH /api/cookbooks/{id}") == []


def test_a_cook_changing_a_shared_setting_is_found(flawed: Results) -> None:
    """The same bare 403 on a setting nobody owns: a cook's change shown by read-back is bfla."""
    found = _loud(flawed, "PATCH /api/settings/{id}")
    assert len(found) == 1, [f.title for f in flawed.findings]
    assert "value" in found[0]


def test_nothing_on_the_twin_that_keeps_settings_to_the_admin() -> None:
    """Cooks refused on settings and editing their own recipes: no finding of medium or above."""
    results = _scan(settings_checked=True)
    assert [f.title for f in results.findings if f.severity >= Severity.MEDIUM] == []
