"""bfla on actions: a body-less POST on an item (publish) that only editors may call.

A small newsroom in Starlette: writers draft posts (and delete them), ``POST
/posts/{post_id}/publish`` is
documented for editors (its 403 says so), and the flawed app lets any writer publish,
their own drafts included. The twin checks the role. The scan must show the effect
(the post's status moved) on a post it made for the probe, never on a seeded one.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from apiward.scan import Identity, Results, ScanConfig, scan
from apiward.scan.checks import builtin_checks
from apiward.spec import load
from serving import serving

TOKENS = {"tk-wes": ("wes", "writer"), "tk-eve": ("eve", "editor")}
POST = {
    "type": "object",
    "properties": {
        "post_id": {"type": "integer", "readOnly": True},
        "headline": {"type": "string", "maxLength": 80},
        "status": {"type": "string", "readOnly": True},
    },
}
JSON = {"application/json": {"schema": POST}}
ID = [{"name": "post_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
CONTRACT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "newsroom", "version": "1"},
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/posts": {
            "post": {
                "requestBody": {"content": JSON},
                "responses": {"201": {"description": "drafted", "content": JSON}},
            }
        },
        "/posts/{post_id}": {
            "parameters": ID,
            "get": {"responses": {"200": {"description": "one", "content": JSON}}},
            "delete": {"responses": {"204": {"description": "deleted"}}},
        },
        "/posts/{post_id}/publish": {
            "parameters": ID,
            "post": {
                "summary": "Publish a draft (editors only)",
                "responses": {
                    "200": {"description": "published"},
                    "403": {"description": "only editors publish"},
                },
            },
        },
    },
}


def newsroom(*, checks_role: bool) -> tuple[Starlette, dict[int, dict[str, Any]]]:
    """The app and its posts; post 1 is a seeded draft of eve's."""
    posts: dict[int, dict[str, Any]] = {
        1: {"post_id": 1, "headline": "Seeded draft", "status": "draft", "author": "eve"}
    }
    serial = itertools.count(2)

    def caller(request: Request) -> tuple[str, str] | None:
        return TOKENS.get(request.headers.get("authorization", "").removeprefix("Bearer "))

    async def contract(request: Request) -> JSONResponse:
        return JSONResponse(CONTRACT)

    async def draft(request: Request) -> JSONResponse:
        who = caller(request)
        if who is None:
            return JSONResponse({"detail": "Unauthorized"}, 401)
        body = await request.json()
        number = next(serial)
        posts[number] = {
            "post_id": number,
            "headline": str(body.get("headline", "")),
            "status": "draft",
            "author": who[0],
        }
        return JSONResponse(_shown(posts[number]), 201)

    async def read(request: Request) -> JSONResponse:
        if caller(request) is None:
            return JSONResponse({"detail": "Unauthorized"}, 401)
        found = posts.get(int(request.path_params["post_id"]))
        return JSONResponse(_shown(found)) if found else JSONResponse({"detail": "Not Found"}, 404)

    async def delete(request: Request) -> Response:
        who = caller(request)
        found = posts.get(int(request.path_params["post_id"]))
        if who is None or found is None or found["author"] != who[0]:
            return JSONResponse({"detail": "Not Found"}, 404)
        del posts[found["post_id"]]
        return Response(status_code=204)

    async def publish(request: Request) -> JSONResponse:
        who = caller(request)
        if who is None:
            return JSONResponse({"detail": "Unauthorized"}, 401)
        if checks_role and who[1] != "editor":
            return JSONResponse({"detail": "only editors publish"}, 403)
        found = posts.get(int(request.path_params["post_id"]))
        if found is None:
            return JSONResponse({"detail": "Not Found"}, 404)
        found["status"] = "published"
        return JSONResponse({"ok": True})

    app = Starlette(
        routes=[
            Route("/openapi.json", contract),
            Route("/posts", draft, methods=["POST"]),
            Route("/posts/{post_id:int}", read),
            Route("/posts/{post_id:int}", delete, methods=["DELETE"]),
            Route("/posts/{post_id:int}/publish", publish, methods=["POST"]),
        ]
    )
    return app, posts


def _shown(post: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in post.items() if k != "author"}


def _scan(app: Starlette) -> Results:
    identities = (
        Identity(name="wes", role="writer", headers={"Authorization": "Bearer tk-wes"}),
        Identity(name="eve", role="editor", rank=10, headers={"Authorization": "Bearer tk-eve"}),
    )
    with serving(app) as url:
        api = load(f"{url}/openapi.json", allow_private=True)
        config = ScanConfig(target=url, identities=identities, checks=("bfla",))
        return asyncio.run(scan(api, config, builtin_checks()))


@pytest.mark.parametrize("checks_role", [False, True])
def test_a_writer_publishing_is_found_by_its_effect_on_a_post_the_scan_made(
    checks_role: bool,
) -> None:
    """The flawed newsroom: a medium+ bfla finding whose evidence shows the status move."""
    app, posts = newsroom(checks_role=checks_role)
    results = _scan(app)
    found = [
        f
        for f in results.findings
        if f.operation == "POST /posts/{post_id}/publish" and f.severity.value in {"high", "medium"}
    ]
    assert posts[1]["status"] == "draft", "a seeded post was published"
    if checks_role:
        assert found == []
        return
    [finding] = found
    assert "'draft' to 'published'" in finding.detail
