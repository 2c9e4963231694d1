"""A small recipes API written the Starlette way, whose reviews live under a recipe.

What a shared staging system holds: recipes seeded for alice and bob (the identities a
scan is given). ``POST /recipes`` makes one (201, its ``slug`` in the answer);
``POST /recipes/{slug}/reviews`` adds a review under a recipe its owner may review
(200 and a message, no id), and nothing in the contract removes a review but deleting
its recipe. A review a scan leaves on a seeded recipe stays there for good.

:attr:`Recipes.posted` lists every review ever added, with the recipe it went under.
"""

from __future__ import annotations

import copy
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from serving import serving

PASSWORDS = {"alice": "alice-pw-1", "bob": "bob-pw-2"}
SEED: dict[str, dict[str, Any]] = {
    "pancakes": {"owner": "alice", "title": "Pancakes", "reviews": ["fluffy"]},
    "soup": {"owner": "alice", "title": "Soup", "reviews": []},
    "chili": {"owner": "bob", "title": "Chili", "reviews": ["hot"]},
}
IDENTITIES = """\
identities:
  - name: alice
    role: user
    login:
      operation: POST /auth/token
      json: {username: alice, password: alice-pw-1}
      token: access_token
  - name: bob
    role: user
    login:
      operation: POST /auth/token
      json: {username: bob, password: bob-pw-2}
      token: access_token
"""

_SLUG = [{"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}]
_RECIPE = {
    "type": "object",
    "properties": {
        "slug": {"type": "string", "readOnly": True},
        "title": {"type": "string"},
        "owner": {"type": "string", "readOnly": True},
    },
}
_REVIEWS = {
    "type": "array",
    "items": {"type": "object", "properties": {"body": {"type": "string"}}},
}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _body(**properties: Any) -> dict[str, Any]:
    required = list(properties)
    return _json({"type": "object", "required": required, "properties": properties})


SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "recipes", "version": "1"},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "paths": {
        "/auth/token": {
            "post": {
                "security": [],
                "requestBody": _body(username={"type": "string"}, password={"type": "string"}),
                "responses": {"200": {"description": "a token"}, "401": {"description": "no"}},
            }
        },
        "/recipes": {
            "get": {"responses": {"200": {"description": "yours", **_json(_RECIPE)}}},
            "post": {
                "requestBody": _body(title={"type": "string", "maxLength": 80}),
                "responses": {"201": {"description": "made", **_json(_RECIPE)}},
            },
        },
        "/recipes/{slug}": {
            "parameters": _SLUG,
            "get": {
                "responses": {
                    "200": {"description": "one", **_json(_RECIPE)},
                    "404": {"description": "no"},
                }
            },
            "delete": {"responses": {"204": {"description": "gone"}, "404": {"description": "no"}}},
        },
        "/recipes/{slug}/reviews": {
            "parameters": _SLUG,
            "get": {"responses": {"200": {"description": "its reviews", **_json(_REVIEWS)}}},
            "post": {
                "requestBody": _body(body={"type": "string", "maxLength": 2000}),
                "responses": {
                    "200": {"description": "added", **_json({"type": "object"})},
                    "404": {"description": "no"},
                },
            },
        },
    },
}


class Recipes:
    """One instance of the API with its own state."""

    def __init__(self) -> None:
        self.recipes: dict[str, dict[str, Any]] = copy.deepcopy(SEED)
        self.tokens: dict[str, str] = {}
        self.posted: list[str] = []
        """The recipe each review ever added went under, in order."""
        self.lock = threading.Lock()
        self.app = Starlette(routes=self._routes())

    def seeded_reviews(self) -> dict[str, list[str]]:
        """The reviews each seeded recipe holds now that it did not hold when seeded."""
        with self.lock:
            now = {k: self.recipes.get(k, {}).get("reviews", []) for k in SEED}
        return {k: v[len(SEED[k]["reviews"]) :] for k, v in now.items() if v != SEED[k]["reviews"]}

    def _routes(self) -> list[Route]:
        return [
            Route("/openapi.json", lambda _: JSONResponse(SPEC)),
            Route("/auth/token", self.token, methods=["POST"]),
            Route("/recipes", self.listing, methods=["GET"]),
            Route("/recipes", self.create, methods=["POST"]),
            Route("/recipes/{slug}", self.read, methods=["GET"]),
            Route("/recipes/{slug}", self.remove, methods=["DELETE"]),
            Route("/recipes/{slug}/reviews", self.reviews, methods=["GET"]),
            Route("/recipes/{slug}/reviews", self.review, methods=["POST"]),
        ]

    def _user(self, request: Request) -> str | None:
        token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        return self.tokens.get(token)

    def _mine(self, request: Request) -> str | Response:
        """The slug of the path when the caller owns that recipe, else the refusal."""
        who, slug = self._user(request), request.path_params["slug"]
        if who is None:
            return JSONResponse({"error": "log in"}, 401)
        if self.recipes.get(slug, {}).get("owner") != who:
            return JSONResponse({"error": "no such recipe"}, 404)
        return str(slug)

    def _out(self, slug: str) -> dict[str, Any]:
        recipe = self.recipes[slug]
        return {"slug": slug, "title": recipe["title"], "owner": recipe["owner"]}

    async def token(self, request: Request) -> Response:
        body = await _body_of(request)
        name = body.get("username")
        if not isinstance(name, str) or PASSWORDS.get(name) != body.get("password"):
            return JSONResponse({"error": "bad credentials"}, 401)
        issued = secrets.token_urlsafe(16)
        self.tokens[issued] = name
        return JSONResponse({"access_token": issued})

    async def listing(self, request: Request) -> Response:
        who = self._user(request)
        if who is None:
            return JSONResponse({"error": "log in"}, 401)
        with self.lock:
            return JSONResponse(
                [self._out(k) for k, r in self.recipes.items() if r["owner"] == who]
            )

    async def create(self, request: Request) -> Response:
        who, body = self._user(request), await _body_of(request)
        if who is None:
            return JSONResponse({"error": "log in"}, 401)
        if not isinstance(body.get("title"), str) or not body["title"]:
            return JSONResponse({"error": "title required"}, 400)
        slug = f"r-{secrets.token_hex(4)}"
        with self.lock:
            self.recipes[slug] = {"owner": who, "title": body["title"], "reviews": []}
            made = self._out(slug)
        return JSONResponse(made, 201, headers={"Location": f"/recipes/{slug}"})

    async def read(self, request: Request) -> Response:
        slug = self._mine(request)
        return slug if isinstance(slug, Response) else JSONResponse(self._out(slug))

    async def remove(self, request: Request) -> Response:
        slug = self._mine(request)
        if isinstance(slug, Response):
            return slug
        with self.lock:
            del self.recipes[slug]
        return Response(status_code=204)

    async def reviews(self, request: Request) -> Response:
        slug = self._mine(request)
        if isinstance(slug, Response):
            return slug
        return JSONResponse([{"body": b} for b in self.recipes[slug]["reviews"]])

    async def review(self, request: Request) -> Response:
        slug, body = self._mine(request), await _body_of(request)
        if isinstance(slug, Response):
            return slug
        if not isinstance(body.get("body"), str):
            return JSONResponse({"error": "body required"}, 400)
        with self.lock:
            self.recipes[slug]["reviews"].append(body["body"])
            self.posted.append(slug)
        return JSONResponse({"message": "review added"})


async def _body_of(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


@contextmanager
def running(recipes: Recipes) -> Iterator[str]:
    """Serve ``recipes`` under uvicorn on 127.0.0.1 (ephemeral port)."""
    with serving(recipes.app) as url:
        yield url
