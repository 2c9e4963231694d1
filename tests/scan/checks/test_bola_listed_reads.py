"""bola on reads of objects the attacker already sees in a listing it may read.

A recipe-sharing API written with Flask, the way a Fastify one answers
(``{"statusCode", "error", "message"}``): anyone lists the public recipes; a signed-in
cook also lists its own private ones. A recipe's comments are readable by anyone who can
see the recipe, in ``GET /api/recipes/{id}/comments`` (ids and authors included) and one
by one at ``GET /api/comments/{id}``; a cook comments and deletes its own comments.

bob reading alice's comment on a public recipe is no flaw: bob's own listing of that
recipe's comments shows him the very comment. The planted flaw is elsewhere: the flawed
twin answers bob's *private* recipe to anyone (``GET /api/recipes/{id}``), which alice's
listings never show her. The fixed twin gives nothing of medium or above.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from flask import Flask, jsonify, request
from ownership_support import scan_app

from apiward.core.findings import Severity
from apiward.scan import Identity, Results
from apiward.scan.checks.bola import Bola
from serving import serving

COOKS = {"Bearer rc-alice": "alice", "Bearer rc-bob": "bob"}
IDENTITIES = tuple(
    Identity(name=name, role="cook", headers={"Authorization": token})
    for token, name in COOKS.items()
)
RECIPE = "GET /api/recipes/{id}"
COMMENT = "GET /api/comments/{id}"


def recipes_app(
    *, flawed: bool, authors: bool = True, leaky: bool = False
) -> tuple[Flask, dict[int, dict[str, Any]]]:
    """The recipe API and its comments (to check what the scan left).

    ``authors=False`` keeps a comment's author to itself (no field names an owner);
    ``leaky`` answers any comment, a private recipe's too.
    """
    app = Flask(__name__)
    recipes: dict[int, dict[str, Any]] = {
        1: {"title": "Pancakes", "author": "alice", "private": False, "ingredients": "flour, milk"},
        3: {"title": "Beef stew", "author": "bob", "private": False, "ingredients": "beef, ale"},
        4: {"title": "Grandma's sauce", "author": "bob", "private": True,
            "ingredients": "tomato, 3 anchovies, secret chili oil"},
    }  # fmt: skip
    comments: dict[int, dict[str, Any]] = {
        1: {
            "id": 1,
            "recipeId": 1,
            "author": "bob",
            "body": "So fluffy!",
            "createdAt": "2026-01-02",
        }
    }
    ids = itertools.count(2)

    def error(status: int, name: str, message: str) -> Any:
        return jsonify(statusCode=status, error=name, message=message), status

    def caller() -> str | None:
        return COOKS.get(request.headers.get("Authorization", ""))

    def visible(recipe_id: int) -> bool:
        recipe = recipes.get(recipe_id)
        return recipe is not None and (not recipe["private"] or recipe["author"] == caller())

    def card(recipe_id: int) -> dict[str, Any]:
        recipe = recipes[recipe_id]
        return {"id": recipe_id, "title": recipe["title"], "author": recipe["author"],
                "private": recipe["private"]}  # fmt: skip

    def shown(found: dict[str, Any]) -> dict[str, Any]:
        return found if authors else {k: v for k, v in found.items() if k != "author"}

    @app.get("/openapi.json")
    def contract() -> Any:
        return jsonify(_contract())

    @app.get("/api/recipes")
    def listing() -> Any:
        return jsonify([card(i) for i in recipes if visible(i)])

    @app.get("/api/recipes/<int:recipe_id>")
    def read(recipe_id: int) -> Any:
        if caller() is None:
            return error(401, "Unauthorized", "Missing bearer token")
        if recipe_id not in recipes or not (flawed or visible(recipe_id)):
            return error(404, "Not Found", "Recipe not found")
        return jsonify({**card(recipe_id), "ingredients": recipes[recipe_id]["ingredients"]})

    @app.get("/api/recipes/<int:recipe_id>/comments")
    def thread(recipe_id: int) -> Any:
        if caller() is None:
            return error(401, "Unauthorized", "Missing bearer token")
        if not visible(recipe_id):
            return error(404, "Not Found", "Recipe not found")
        return jsonify([shown(c) for c in comments.values() if c["recipeId"] == recipe_id])

    @app.post("/api/recipes/<int:recipe_id>/comments")
    def comment(recipe_id: int) -> Any:
        who = caller()
        if who is None:
            return error(401, "Unauthorized", "Missing bearer token")
        if not visible(recipe_id):
            return error(404, "Not Found", "Recipe not found")
        body = str((request.get_json(silent=True) or {}).get("body", ""))[:500]
        new = next(ids)
        comments[new] = {"id": new, "recipeId": recipe_id, "author": who, "body": body,
                         "createdAt": "2026-03-04"}  # fmt: skip
        return jsonify(shown(comments[new])), 201

    @app.get("/api/comments/<int:comment_id>")
    def one(comment_id: int) -> Any:
        if caller() is None:
            return error(401, "Unauthorized", "Missing bearer token")
        found = comments.get(comment_id)
        if found is None or not (leaky or visible(found["recipeId"])):
            return error(404, "Not Found", "Comment not found")
        return jsonify(shown(found))

    @app.delete("/api/comments/<int:comment_id>")
    def remove(comment_id: int) -> Any:
        found = comments.get(comment_id)
        if found is None or found["author"] != caller():
            return error(404, "Not Found", "Comment not found")
        del comments[comment_id]
        return "", 204

    return app, comments


def _contract() -> dict[str, Any]:
    ident = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
    recipe = {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "author": {"type": "string"},
            "private": {"type": "boolean"},
            "ingredients": {"type": "string"},
        },
    }
    comment = {
        "type": "object",
        "properties": {
            "id": {"type": "integer", "readOnly": True},
            "recipeId": {"type": "integer", "readOnly": True},
            "author": {"type": "string", "readOnly": True},
            "body": {"type": "string", "maxLength": 500},
            "createdAt": {"type": "string", "readOnly": True},
        },
        "required": ["body"],
    }

    def answer(schema: dict[str, Any], status: str = "200") -> dict[str, Any]:
        ok = {
            "description": "Default Response",
            "content": {"application/json": {"schema": schema}},
        }
        return {status: ok, "404": {"description": "Not Found"}}

    many = {"type": "array", "items": comment}
    return {
        "openapi": "3.0.3",
        "info": {"title": "recipes", "version": "2.3.0"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
            "/api/recipes": {
                "get": {"security": [{}, {"bearer": []}],
                        "responses": answer({"type": "array", "items": recipe})},
            },
            "/api/recipes/{id}": {"parameters": [ident], "get": {"responses": answer(recipe)}},
            "/api/recipes/{id}/comments": {
                "parameters": [ident],
                "get": {"responses": answer(many)},
                "post": {
                    "requestBody": {"content": {"application/json": {"schema": comment}}},
                    "responses": answer(comment, "201"),
                },
            },
            "/api/comments/{id}": {
                "parameters": [ident],
                "get": {"responses": answer(comment)},
                "delete": {"responses": {"204": {"description": "Deleted"}}},
            },
        },
    }  # fmt: skip


def _scan(*, flawed: bool, **options: bool) -> tuple[Results, dict[int, dict[str, Any]]]:
    app, comments = recipes_app(flawed=flawed, **options)
    with serving(app, wsgi=True) as url:
        return scan_app(url, Bola(), IDENTITIES), comments


def _medium(results: Results) -> set[str]:
    return {f.operation for f in results.findings if f.severity >= Severity.MEDIUM}


def test_a_comment_the_reader_sees_listed_is_no_bola_and_the_private_recipe_is() -> None:
    """bob reads alice's comment, which his listing of the recipe shows: nothing; alice
    reads bob's private recipe, which no listing of hers shows: high."""
    results, comments = _scan(flawed=True)
    assert _medium(results) == {RECIPE}, [f.title for f in results.findings]
    (found,) = [f for f in results.findings if f.operation == RECIPE]
    assert found.title == "alice reads bob's object through path id"
    assert found.severity is Severity.HIGH
    assert list(comments) == [1], "the scan left a comment behind"


def test_the_fixed_twin_gives_no_finding() -> None:
    """With the private recipe kept private, nothing of medium or above."""
    results, comments = _scan(flawed=False)
    assert _medium(results) == set(), [f.title for f in results.findings]
    assert list(comments) == [1]


@pytest.mark.parametrize("authors", [True, False], ids=["authors", "no-authors"])
def test_a_comment_on_a_private_recipe_is_still_tested(authors: bool) -> None:
    """When any comment is answered to anyone, alice reading bob's comment on his private
    recipe is found; bob reading alice's on a public one, which he lists, is not. Without
    an author field the comments look alike to both cooks where both list them: that
    does not make bob's comment under a recipe only he sees anyone's."""
    results, comments = _scan(flawed=False, authors=authors, leaky=True)
    titles = [f.title for f in results.findings if f.operation == COMMENT]
    assert titles == ["alice reads bob's object through path id"], titles
    assert _medium(results) == {COMMENT}
    assert list(comments) == [1]
