"""A filter over what everyone may list is no BOLA: a Falcon cookbook's ``?author_id=``.

``GET /recipes`` lists the caller's own recipes, drafts too; with ``author_id`` it lists
that author's *published* ones, which ``GET /recipes/published`` shows every cook anyway.
The caller's id is ``author_id`` in every row of its own listing, so the scan learns it
under that name and tries bob's ``?author_id=`` with alice's: he gets her published
recipes, each a row his own listing of published recipes already shows — the design.
"""

from __future__ import annotations

from typing import Any

import falcon
from ownership_support import scan_app

from apiward.core.findings import Severity
from apiward.scan import Identity
from apiward.scan.checks.bola import Bola
from serving import serving

COOKS = {"Bearer ck-alice": ("alice", 1), "Bearer ck-bob": ("bob", 2)}
IDENTITIES = tuple(
    Identity(name=name, role="cook", headers={"Authorization": token})
    for token, (name, _) in COOKS.items()
)
RECIPES = {
    1: {"title": "Lentil soup", "author_id": 1, "published": True},
    2: {"title": "Secret chili", "author_id": 1, "published": False},
    3: {"title": "Oat pancakes", "author_id": 2, "published": True},
    4: {"title": "Plum jam", "author_id": 2, "published": False},
}


def _contract() -> dict[str, Any]:
    recipe = {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "author_id": {"type": "integer"},
            "published": {"type": "boolean"},
        },
    }
    many = {"type": "array", "items": recipe}

    def answer(schema: dict[str, Any]) -> dict[str, Any]:
        return {"200": {"description": "OK", "content": {"application/json": {"schema": schema}}}}

    author = {"name": "author_id", "in": "query", "schema": {"type": "integer"}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Cookbook", "version": "1.0.0"},
        "components": {"securitySchemes": {"Bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"Bearer": []}],
        "paths": {
            "/me": {"get": {"responses": answer({"type": "object"})}},
            "/recipes": {
                "get": {
                    "summary": "Your recipes; with author_id, that author's published ones",
                    "parameters": [author],
                    "responses": answer(many),
                }
            },
            "/recipes/published": {"get": {"responses": answer(many)}},
        },
    }


def cookbook_app() -> falcon.App:
    """The cookbook: another author's drafts are never listed."""

    def caller(req: falcon.Request) -> tuple[str, int]:
        who = COOKS.get(req.get_header("Authorization") or "")
        if who is None:
            raise falcon.HTTPUnauthorized()
        return who

    def rows(keep: Any) -> list[dict[str, Any]]:
        return [{"id": k, **r} for k, r in RECIPES.items() if keep(r)]

    class Contract:
        def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
            resp.media = _contract()

    class Me:
        def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
            name, uid = caller(req)
            resp.media = {"id": uid, "name": name}

    class Recipes:
        def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
            _, uid = caller(req)
            author = req.get_param_as_int("author_id")
            if author is None:
                resp.media = rows(lambda r: r["author_id"] == uid)
            else:
                resp.media = rows(lambda r: r["author_id"] == author and r["published"])

    class Published:
        def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
            caller(req)
            resp.media = rows(lambda r: r["published"])

    app = falcon.App()
    app.add_route("/openapi.json", Contract())
    app.add_route("/me", Me())
    app.add_route("/recipes", Recipes())
    app.add_route("/recipes/published", Published())
    return app


def test_a_filter_over_published_recipes_everyone_lists_is_no_finding() -> None:
    """Bob's ``?author_id=1`` gets alice's published recipes, which he lists anyway."""
    with serving(cookbook_app(), wsgi=True) as url:
        results = scan_app(url, Bola(), IDENTITIES)
    assert [f.title for f in results.findings if f.severity >= Severity.MEDIUM] == []
