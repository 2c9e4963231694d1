"""A listing's later pages are as much the caller's to see as its first.

A message board written in Falcon, paged three ways other people's APIs page: Feathers'
``$skip`` into ``{"total", "limit", "skip", "data"}``, Laravel's ``?page=`` with
``{"data", "meta": {"current_page", "last_page"}}``, and Django REST framework's cursor
with ``{"next": "<url>", "results"}``. Everyone reads every public post; a private post
only its author; newest first. Bob's newer private posts fill his first page, so alice's
newest public posts show on her first page and only on his second: the scan took them for alice's
alone, and bob reading one by its id for a BOLA (the Feathers trial's public-channel
messages). Read page after page, they are his to see; the twin that serves alice's
private posts to anyone by id is still found.
"""

from __future__ import annotations

import base64
import copy
from pathlib import Path
from typing import Any

import falcon
import falcon.asgi
import pytest
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - {name: alice, role: member, headers: {Authorization: Bearer bd-alice}}
  - {name: bob, role: member, headers: {Authorization: Bearer bd-bob}}
"""
TOKENS = {"Bearer bd-alice": "alice", "Bearer bd-bob": "bob"}
PRIVATE = {i: {"author": "alice", "title": f"Draft {i}", "private": True} for i in range(1, 4)}
PUBLIC = {
    i: {"author": "alice", "title": f"Week {i} notes", "private": False} for i in range(4, 16)
}
BOBS = {i: {"author": "bob", "title": f"Bob's draft {i}", "private": True} for i in range(41, 46)}
SEED = {**PUBLIC, **PRIVATE, **BOBS}
SIZE = 5
POST = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "title": {"type": "string"},
    },
}
NUMBER = {"type": "integer", "minimum": 0}
QUERY = {
    "feathers": [
        {"name": "$skip", "in": "query", "schema": NUMBER},
        {"name": "$limit", "in": "query", "schema": {"type": "integer", "maximum": SIZE}},
    ],
    "laravel": [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}}],
    "drf": [{"name": "cursor", "in": "query", "schema": {"type": "string"}}],
}


def contract(style: str) -> dict[str, Any]:
    """The board's contract, its listing paged in ``style``."""
    ok = {"description": "OK", "content": {"application/json": {"schema": POST}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "board", "version": "1.0.0"},
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": {
            "/posts": {
                "get": {
                    "parameters": QUERY[style],
                    "responses": {"200": {"description": "A page of posts"}},
                }
            },
            "/posts/{id}": {
                "get": {
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer"},
                        }
                    ],
                    "responses": {"200": ok, "404": {"description": "Not found"}},
                }
            },
        },
    }


def app_of(rows: dict[int, dict[str, Any]], style: str, *, flawed: bool) -> falcon.asgi.App:
    """The board; ``flawed`` serves any post by its id."""

    def caller(req: falcon.asgi.Request) -> str:
        who = TOKENS.get(req.get_header("Authorization") or "")
        if who is None:
            raise falcon.HTTPUnauthorized(title="Unauthorized")
        return who

    def shown(key: int) -> dict[str, Any]:
        return {"id": key, "title": rows[key]["title"]}  # nothing says who may see it

    def page(req: falcon.asgi.Request, visible: list[int]) -> dict[str, Any]:
        if style == "feathers":
            skip = req.get_param_as_int("$skip", min_value=0) or 0
            data = [shown(k) for k in visible[skip : skip + SIZE]]
            return {"total": len(visible), "limit": SIZE, "skip": skip, "data": data}
        if style == "laravel":
            number = max(1, req.get_param_as_int("page") or 1)
            data = [shown(k) for k in visible[(number - 1) * SIZE : number * SIZE]]
            last = (len(visible) + SIZE - 1) // SIZE
            return {"data": data, "meta": {"current_page": number, "last_page": last}}
        cursor = req.get_param("cursor")
        start = int(base64.urlsafe_b64decode(cursor).decode()) if cursor else 0
        after = start + SIZE
        following = base64.urlsafe_b64encode(str(after).encode()).decode()
        link = f"{req.scheme}://{req.host}:{req.port}/posts?cursor={following}"
        data = [shown(k) for k in visible[start:after]]
        return {"next": link if after < len(visible) else None, "results": data}

    class Contract:
        async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
            resp.media = contract(style)

    class Posts:
        async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
            who = caller(req)
            visible = sorted(
                (k for k, r in rows.items() if not r["private"] or r["author"] == who),
                reverse=True,  # newest first
            )
            resp.media = page(req, visible)

    class Post:
        async def on_get(
            self, req: falcon.asgi.Request, resp: falcon.asgi.Response, key: int
        ) -> None:
            who = caller(req)
            row = rows.get(key)
            if row is None or (row["private"] and row["author"] != who and not flawed):
                raise falcon.HTTPNotFound()
            resp.media = shown(key)

    app = falcon.asgi.App()
    app.add_route("/openapi.json", Contract())
    app.add_route("/posts", Posts())
    app.add_route("/posts/{key:int}", Post())
    return app


def _bola(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["check"] == "bola"]


@pytest.mark.parametrize("style", sorted(QUERY))
def test_public_posts_beyond_the_first_page_are_no_bola(tmp_path: Path, style: str) -> None:
    """Bob reading alice's public post, which his second page lists, is no finding."""
    rows = copy.deepcopy(SEED)
    with serving(app_of(rows, style, flawed=False)) as url:
        result, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "bola")
    assert result.returncode in {0, 1}, result.stdout[-3000:] + result.stderr[-3000:]
    assert _bola(report) == []
    assert rows == SEED


@pytest.mark.parametrize("style", sorted(QUERY))
def test_a_private_post_anyone_reads_by_id_is_still_found(tmp_path: Path, style: str) -> None:
    """The flawed twin: bob reads alice's private draft by its id."""
    rows = copy.deepcopy(SEED)
    with serving(app_of(rows, style, flawed=True)) as url:
        result, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "bola")
    assert result.returncode in {0, 1}, result.stdout[-3000:] + result.stderr[-3000:]
    read = [f for f in _bola(report) if f["operation"] == "GET /posts/{id}"]
    assert read, [f["title"] for f in report["findings"]]
    assert rows == SEED
