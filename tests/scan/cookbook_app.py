"""A recipe site in Starlette, shaped like the Ninja trial's: editors feature, anyone imports.

* ``POST /recipes/{slug}/feature`` — "Editors and admins only." An editor featuring a
  recipe is the design; ``flawed=True`` also lets a plain member do it (BFLA).
* ``POST /recipes/import`` — makes a recipe from a URL it fetches, answering ``201
  {"recipe": {"slug": ...}, "source": {...}}``; the recipe goes by ``DELETE
  /recipes/{slug}``. ``flawed=True`` fetches any URL (SSRF; loopback only, so tests never
  leave the machine); the fixed twin queues the page for a sandboxed fetcher instead.

Identities: ada (admin), eddie (editor), mia and max (members), by static bearer tokens.
:meth:`Cookbook.changed` lists what differs from the seed.
"""

from __future__ import annotations

import copy
import itertools
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

TOKENS = {"tk-ada-1": "ada", "tk-eddie-2": "eddie", "tk-mia-3": "mia", "tk-max-4": "max"}
ROLES = {"ada": "admin", "eddie": "editor", "mia": "member", "max": "member"}
IDENTITIES = """\
identities:
  - {name: ada, role: admin, headers: {Authorization: Bearer tk-ada-1}}
  - {name: eddie, role: editor, headers: {Authorization: Bearer tk-eddie-2}}
  - {name: mia, role: member, headers: {Authorization: Bearer tk-mia-3}}
  - {name: max, role: member, headers: {Authorization: Bearer tk-max-4}}
"""
SEED: dict[str, dict[str, Any]] = {
    "lemon-tart": {"slug": "lemon-tart", "title": "Lemon tart", "author": "mia", "featured": False},
    "dal": {"slug": "dal", "title": "Tarka dal", "author": "max", "featured": True},
}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _object(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required or []}


RECIPE = _object(
    {
        "slug": {"type": "string", "readOnly": True},
        "title": {"type": "string", "maxLength": 80},
        "author": {"type": "string", "readOnly": True},
        "featured": {"type": "boolean", "readOnly": True},
    },
    ["title"],
)
SLUG = [{"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}]
CONTRACT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "cookbook", "version": "1"},
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/recipes": {
            "get": {
                "summary": "Every recipe",
                "responses": {
                    "200": {"description": "all", **_json({"type": "array", "items": RECIPE})}
                },
            },
        },
        "/recipes/import": {
            "post": {
                "summary": "Import a recipe from a web page",
                "requestBody": {
                    "required": True,
                    **_json(_object({"url": {"type": "string", "format": "uri"}}, ["url"])),
                },
                "responses": {
                    "201": {
                        "description": "imported",
                        **_json(_object({"recipe": RECIPE, "source": {"type": "object"}})),
                    },
                    "422": {"description": "not a page we can read"},
                },
            }
        },
        "/recipes/{slug}": {
            "parameters": SLUG,
            "get": {
                "summary": "One recipe (recipes are public: anyone signed in may read one)",
                "responses": {"200": {"description": "one", **_json(RECIPE)}},
            },
            "delete": {
                "summary": "Delete your recipe (admins: any)",
                "responses": {"204": {"description": "gone"}, "403": {"description": "not yours"}},
            },
        },
        "/admin/stats": {
            "get": {
                "summary": "Site statistics",
                "description": "Admin only.",
                "responses": {
                    "200": {"description": "counts", **_json({"type": "object"})},
                    "403": {"description": "Admin only."},
                },
            }
        },
        "/recipes/{slug}/feature": {
            "parameters": SLUG,
            "post": {
                "summary": "Feature a recipe on the home page",
                "description": "Editors and admins only.",
                "responses": {
                    "200": {"description": "featured", **_json(RECIPE)},
                    "403": {"description": "Editors and admins only."},
                },
            },
        },
    },
}


class Cookbook:
    """Recipes and what the import fetched; ``flawed`` plants the BFLA and the SSRF."""

    def __init__(self, *, flawed: bool) -> None:
        self.flawed = flawed
        self.recipes = copy.deepcopy(SEED)
        self.fetched: list[str] = []
        self._ids = itertools.count(1)

    def changed(self) -> list[str]:
        """Recipes changed, removed or left behind."""
        keys = {*self.recipes, *SEED}
        return sorted(k for k in keys if self.recipes.get(k) != SEED.get(k))

    def app(self) -> Starlette:
        """The Starlette app."""

        def caller(request: Request) -> str | None:
            return TOKENS.get(request.headers.get("authorization", "").removeprefix("Bearer "))

        async def contract(request: Request) -> Response:
            return JSONResponse(CONTRACT)

        async def recipes(request: Request) -> Response:
            who = caller(request)
            if who is None:
                return JSONResponse({"detail": "log in"}, 401)
            if request.method == "GET":
                return JSONResponse([r for r in self.recipes.values() if r["author"] == who])
            try:
                title = (await request.json()).get("title")
            except ValueError:
                title = None
            if not isinstance(title, str) or not title:
                return JSONResponse({"detail": "title, please"}, 422)
            slug = f"recipe-{next(self._ids)}"
            self.recipes[slug] = {"slug": slug, "title": title, "author": who, "featured": False}
            return JSONResponse(self.recipes[slug], 201)

        async def recipe(request: Request) -> Response:
            who = caller(request)
            if who is None:
                return JSONResponse({"detail": "log in"}, 401)
            found = self.recipes.get(request.path_params["slug"])
            if found is None:
                return JSONResponse({"detail": "no such recipe"}, 404)
            if request.method == "DELETE":
                if found["author"] != who and ROLES[who] != "admin":
                    return JSONResponse({"detail": "not yours"}, 403)
                del self.recipes[found["slug"]]
                return Response(status_code=204)
            return JSONResponse(found)

        async def stats(request: Request) -> Response:
            who = caller(request)
            if who is None:
                return JSONResponse({"detail": "log in"}, 401)
            if ROLES[who] != "admin":
                return JSONResponse({"detail": "Admin only."}, 403)
            return JSONResponse(
                {
                    "recipes": len(self.recipes),
                    "featured": sum(r["featured"] for r in self.recipes.values()),
                }
            )

        async def feature(request: Request) -> Response:
            who = caller(request)
            if who is None:
                return JSONResponse({"detail": "log in"}, 401)
            if ROLES[who] not in {"editor", "admin"} and not self.flawed:
                return JSONResponse({"detail": "Editors and admins only."}, 403)
            found = self.recipes.get(request.path_params["slug"])
            if found is None:
                return JSONResponse({"detail": "no such recipe"}, 404)
            found["featured"] = True
            return JSONResponse(found)

        async def imported(request: Request) -> Response:
            who = caller(request)
            if who is None:
                return JSONResponse({"detail": "log in"}, 401)
            try:
                url = str((await request.json()).get("url", ""))
            except ValueError:
                return JSONResponse({"detail": "JSON, please"}, 400)
            host = urlsplit(url).hostname or ""
            if not url.startswith(("http://", "https://")):
                return JSONResponse({"detail": "not a page we can read"}, 422)
            if self.flawed and host in {"127.0.0.1", "localhost"}:
                self.fetched.append(url)
                try:
                    with urllib.request.urlopen(url, timeout=3) as page:
                        page.read(2048)
                except urllib.error.HTTPError as refused:
                    refused.close()  # it holds the connection: left to the collector, a ResourceWarning
                except OSError:
                    pass
            slug = f"imported-{next(self._ids)}"
            self.recipes[slug] = {
                "slug": slug,
                "title": f"From {host}",
                "author": who,
                "featured": False,
            }
            return JSONResponse({"recipe": self.recipes[slug], "source": {"url": url}}, 201)

        return Starlette(
            routes=[
                Route("/openapi.json", contract),
                Route("/recipes", recipes, methods=["GET", "POST"]),
                Route("/recipes/import", imported, methods=["POST"]),
                Route("/recipes/{slug}", recipe, methods=["GET", "DELETE"]),
                Route("/recipes/{slug}/feature", feature, methods=["POST"]),
                Route("/admin/stats", stats),
            ]
        )
