"""bola: a draft of a public publication is not public.

The Sinatra trial's ``GET /publications/{pub_slug}/posts/{id}`` says "Published posts of
public publications are public, whatever their id", and checks only the publication: anyone,
anonymous included, reads its drafts by id. The sentence made the scan skip the read
("the contract calls this read public"), then the public publication and the anonymous read
each excused it. Only some posts are public by those words (``flows.says_some_public``),
and a draft (``status: draft``) is not out, whatever its parent says (``privacy.unreleased``).
Twins: the flawed one serves drafts to anyone; the fixed one only to its organisation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - {name: alice, role: owner, headers: {Authorization: Token token=tok-alice}}
  - {name: dave, role: owner, headers: {Authorization: Token token=tok-dave}}
"""
ORGS = {"Token token=tok-alice": "acme", "Token token=tok-dave": "globex"}
SLUG = {"name": "pub_slug", "in": "path", "required": True, "schema": {"type": "string"}}
ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
OK = {"200": {"description": "OK"}, "404": {"description": "Not found"}}
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "inkwell", "version": "1"},
    "components": {"securitySchemes": {"token": {"type": "apiKey", "in": "header",
                                                 "name": "Authorization"}}},
    "paths": {
        "/publications": {"get": {"summary": "Publications", "security": [{}, {"token": []}],
                                  "responses": OK}},
        "/publications/{pub_slug}/posts": {"get": {
            "summary": "Posts of a publication (drafts for its organisation only)",
            "parameters": [SLUG], "security": [{}, {"token": []}], "responses": OK}},
        "/publications/{pub_slug}/posts/{id}": {"get": {
            "summary": "Show a post",
            "description": "Published posts of public publications are public, whatever their id.",
            "parameters": [SLUG, ID], "security": [{}, {"token": []}], "responses": OK}},
    },
}  # fmt: skip
PUBLICATIONS = {
    "acme-weekly": {"slug": "acme-weekly", "org": "acme", "visibility": "public"},
    "globex-dispatch": {"slug": "globex-dispatch", "org": "globex", "visibility": "public"},
}
POSTS = {
    1: {"id": 1, "pub": "acme-weekly", "title": "Launch notes", "status": "published",
        "body": "We shipped the new editor to everyone today."},
    2: {"id": 2, "pub": "acme-weekly", "title": "Q3 layoffs (embargoed)", "status": "draft",
        "body": "Not for release before the all-hands on Friday."},
    3: {"id": 3, "pub": "globex-dispatch", "title": "Hello", "status": "published",
        "body": "Globex's first dispatch of the season."},
    4: {"id": 4, "pub": "globex-dispatch", "title": "Merger plan", "status": "draft",
        "body": "Talks with Initech are going well; keep it quiet."},
}  # fmt: skip


def app_of(*, flawed: bool) -> Starlette:
    """The publications API; ``flawed`` serves any post by id to anyone."""

    def org(request: Request) -> str | None:
        return ORGS.get(request.headers.get("authorization", ""))

    def visible(post: dict[str, Any], caller: str | None) -> bool:
        mine = PUBLICATIONS[post["pub"]]["org"] == caller
        return mine or post["status"] == "published"

    async def publications(request: Request) -> Response:
        return JSONResponse({"publications": list(PUBLICATIONS.values())})

    async def posts(request: Request) -> Response:
        slug = request.path_params["slug"]
        if slug not in PUBLICATIONS:
            return JSONResponse({"error": "Not found"}, 404)
        rows = [p for p in POSTS.values() if p["pub"] == slug and visible(p, org(request))]
        return JSONResponse({"posts": rows})

    async def post(request: Request) -> Response:
        found = POSTS.get(request.path_params["id"])
        if found is None or found["pub"] != request.path_params["slug"]:
            return JSONResponse({"error": "Not found"}, 404)
        if not flawed and not visible(found, org(request)):
            return JSONResponse({"error": "Not found"}, 404)
        return JSONResponse({"post": found})

    return Starlette(
        routes=[
            Route("/openapi.json", lambda r: JSONResponse(CONTRACT)),
            Route("/publications", publications),
            Route("/publications/{slug}/posts", posts),
            Route("/publications/{slug}/posts/{id:int}", post),
        ]
    )


@pytest.mark.parametrize("flawed", [True, False], ids=["drafts-to-anyone", "drafts-checked"])
def test_a_draft_read_by_another_organisation_is_found(tmp_path: Path, flawed: bool) -> None:
    """High on the flawed twin, its evidence a draft; nothing on the fixed one."""
    with serving(app_of(flawed=flawed)) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "bola")
    assert done.returncode < 2, done.stdout + done.stderr
    found = [f for f in report["findings"] if f["operation"].endswith("/posts/{id}")]
    if not flawed:
        assert found == [], [f["detail"] for f in found]
        return
    assert [f["severity"] for f in found] == ["high"], [f["detail"] for f in found]
    assert '"draft"' in str(found[0]["evidence"]), found[0]["evidence"]
