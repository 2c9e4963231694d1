"""bola on a read the contract lets anyone send: no finding when anyone does get the answer.

A Falcon comments service: members post comments (``POST /comments``, 201 with the
new ``comment_id``) and ``GET /comments/{comment_id}`` takes an optional login
(``security: [{}, {bearer: []}]``). In the open build anyone reads any comment, logged in
or not: ben reading ann's comment is what the read is for. In the members-only build an
anonymous request is refused while any member reads any member's comment, which the
contract's optional login does not excuse: that stays a finding.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import falcon
import pytest

from apiward.core.registry import Registry
from apiward.scan import Identity, Results, ScanConfig, scan
from apiward.scan.check import AnyCheck
from apiward.scan.checks.bola import Bola
from apiward.spec import load
from serving import serving

TOKENS = {"Bearer c-ann": "ann", "Bearer c-ben": "ben"}
IDENTITIES = (
    Identity(name="ann", role="member", headers={"Authorization": "Bearer c-ann"}),
    Identity(name="ben", role="member", headers={"Authorization": "Bearer c-ben"}),
)
READ = "GET /comments/{comment_id}"
COMMENT = {
    "type": "object",
    "properties": {
        "comment_id": {"type": "integer", "readOnly": True},
        "text": {"type": "string", "maxLength": 200},
        "author": {"type": "string", "readOnly": True},
    },
}
OK = {"description": "ok", "content": {"application/json": {"schema": COMMENT}}}
CONTRACT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "comments", "version": "1"},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "paths": {
        "/comments": {
            "post": {
                "requestBody": {"content": {"application/json": {"schema": COMMENT}}},
                "responses": {"201": OK},
            }
        },
        "/comments/{comment_id}": {
            "parameters": [
                {
                    "name": "comment_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer"},
                }
            ],
            "get": {"security": [{}, {"bearer": []}], "responses": {"200": OK}},
            "delete": {"responses": {"204": {"description": "gone"}}},
        },
    },
}


def comments_app(*, open_to_all: bool) -> falcon.App:
    """The service; ``open_to_all``: an anonymous reader gets comments too."""
    comments: dict[int, dict[str, Any]] = {}
    serial = itertools.count(1)

    def caller(req: falcon.Request) -> str | None:
        return TOKENS.get(req.get_header("Authorization") or "")

    class Contract:
        def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
            resp.media = CONTRACT

    class Comments:
        def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
            who = caller(req) or "nobody"
            if who == "nobody":
                raise falcon.HTTPUnauthorized()
            number = next(serial)
            text = str((req.get_media() or {}).get("text", ""))[:200]
            comments[number] = {"comment_id": number, "text": text, "author": who}
            resp.status, resp.media = falcon.HTTP_201, comments[number]

    class Comment:
        def on_get(self, req: falcon.Request, resp: falcon.Response, comment_id: int) -> None:
            if caller(req) is None and not open_to_all:
                raise falcon.HTTPUnauthorized()
            if comment_id not in comments:
                raise falcon.HTTPNotFound()
            resp.media = comments[comment_id]

        def on_delete(self, req: falcon.Request, resp: falcon.Response, comment_id: int) -> None:
            found = comments.get(comment_id)
            if found is None or found["author"] != caller(req):
                raise falcon.HTTPNotFound()
            del comments[comment_id]
            resp.status = falcon.HTTP_204

    app = falcon.App()
    app.add_route("/openapi.json", Contract())
    app.add_route("/comments", Comments())
    app.add_route("/comments/{comment_id:int}", Comment())
    return app


def _scan(*, open_to_all: bool) -> Results:
    with serving(comments_app(open_to_all=open_to_all), wsgi=True) as url:
        api = load(f"{url}/openapi.json", allow_private=True)
        registry = Registry[AnyCheck]("check", [("bola", Bola())])
        return asyncio.run(scan(api, ScanConfig(target=url, identities=IDENTITIES), registry))


@pytest.mark.parametrize("open_to_all", [True, False], ids=["anyone-reads", "members-only"])
def test_a_read_anyone_gets_is_no_bola(open_to_all: bool) -> None:
    """Open to all: nothing. Members only (anonymous refused): ben reading ann's comment is found."""
    results = _scan(open_to_all=open_to_all)
    found = [f for f in results.findings if f.operation == READ]
    assert (found == []) is open_to_all, [f.title for f in found]
