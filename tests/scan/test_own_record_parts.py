"""A write to part of the caller's own record (``POST /members/me/photo``) is judged by it.

A members API written the Starlette way: ``GET /members/me`` shows the caller's record,
``photo_url`` included, and ``POST /members/me/photo`` fetches a picture from a URL and
stores that URL there. Nothing reads ``/members/me/photo`` itself, but the record above
shows what it changes, so the scan reads that record before such a write, and sends the
write only when a write of the contract could put every field back: the photo's ``url``
is no field of the record, so the ssrf probe is withheld (not sent without --aggressive),
even where ``PATCH /members/me`` takes ``photo_url``, and the record is left as found.
It used to go unsnapshotted, and left the scan's canary URL on the member's record.
"""

from __future__ import annotations

import asyncio
import urllib.request
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from apiward.core.registry import Registry
from apiward.scan import Identity, Results, ScanConfig, scan
from apiward.scan.check import AnyCheck
from apiward.scan.checks.ssrf import Ssrf
from apiward.spec import load
from serving import serving

TOKENS = {"Bearer tk-ada": "ada", "Bearer tk-ben": "ben"}
JSON = "application/json"


def _contract(patchable: bool) -> dict[str, Any]:
    member = {"type": "object", "properties": {"number": {"type": "string"}, "name": {"type": "string"}, "photo_url": {"type": "string", "nullable": True}}}  # fmt: skip
    edit = {"type": "object", "properties": {"name": {"type": "string"}, **({"photo_url": {"type": "string", "nullable": True}} if patchable else {})}}  # fmt: skip
    photo = {"type": "object", "properties": {"url": {"type": "string", "format": "uri"}}}
    ok = {"200": {"description": "the member", "content": {JSON: {"schema": member}}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "members", "version": "1"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
            "/members/me": {
                "get": {"responses": ok},
                "patch": {"requestBody": {"content": {JSON: {"schema": edit}}}, "responses": ok},
            },
            "/members/me/photo": {
                "post": {"requestBody": {"content": {JSON: {"schema": photo}}}, "responses": ok}
            },
        },
    }


SEED = {
    "ada": {"number": "M-1042", "name": "Ada", "photo_url": None},
    "ben": {"number": "M-1043", "name": "Ben", "photo_url": "https://cdn.example/ben.png"},
}


def members(*, patchable: bool) -> tuple[Starlette, dict[str, dict[str, Any]]]:
    """The app, and its rows; ``patchable``: PATCH /members/me also writes ``photo_url``."""
    rows = {k: dict(v) for k, v in SEED.items()}
    writable = {"name", "photo_url"} if patchable else {"name"}

    def who(request: Request) -> str | None:
        return TOKENS.get(request.headers.get("authorization", ""))

    async def contract(request: Request) -> Response:
        return JSONResponse(_contract(patchable))

    async def me(request: Request) -> Response:
        name = who(request)
        if name is None:
            return JSONResponse({"error": "Unauthorized"}, status_code=401)
        if request.method == "PATCH":
            body = await request.json()
            rows[name].update({k: v for k, v in body.items() if k in writable})
        return JSONResponse(rows[name])

    async def photo(request: Request) -> Response:
        name = who(request)
        if name is None:
            return JSONResponse({"error": "Unauthorized"}, status_code=401)
        url = str((await request.json()).get("url", ""))
        try:
            urllib.request.urlopen(url, timeout=2).close()
        except (OSError, ValueError):
            return JSONResponse({"error": "could not fetch the photo"}, status_code=422)
        rows[name]["photo_url"] = url
        return JSONResponse(rows[name])

    routes = [
        Route("/openapi.json", contract),
        Route("/members/me", me, methods=["GET", "PATCH"]),
        Route("/members/me/photo", photo, methods=["POST"]),
    ]
    return Starlette(routes=routes), rows


def _scan(app: Starlette) -> Results:
    identities = tuple(
        Identity(name=name, role="member", headers={"Authorization": token})
        for token, name in TOKENS.items()
    )
    checks: list[AnyCheck] = [Ssrf()]
    with serving(app) as url:
        api = load(f"{url}/openapi.json", allow_private=True)
        registry = Registry[AnyCheck]("check", ((c.id, c) for c in checks))
        return asyncio.run(scan(api, ScanConfig(target=url, identities=identities), registry))


@pytest.mark.parametrize("patchable", [True, False], ids=["patch-takes-photo", "patch-names-only"])
def test_the_callers_record_is_left_as_found(patchable: bool) -> None:
    app, rows = members(patchable=patchable)
    results = _scan(app)
    assert rows == SEED
    assert not results.damaged
    assert not [f for f in results.findings if f.check == "ssrf"]
    assert any("could not be restored" in s.detail for s in results.skipped), results.skipped
