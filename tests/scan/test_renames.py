"""A write never renames its object: the body's copy of the path's key is the path's value.

A Django REST Framework serializer shows a space's lookup field, ``slug``, in its body, and
the synthesised body of ``PATCH /api/spaces/{slug}/`` had another slug the scan had seen
(``acme``, an organisation's). The DRF trial's space was renamed by the legitimate write, its
DELETE by the old slug found nothing, and the restore called it deleted: three spaces stayed.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from apiward.scan.identities import Identity
from apiward.scan.ledger import Ledger
from apiward.scan.renames import keeping_key
from apiward.scan.request import BodyKind
from apiward.scan.request import Request as ScanRequest
from apiward.scan.sessions import Sessions
from apiward.scan.transport import Transport
from apiward.spec import load

ADA = Identity(name="ada", headers={"Authorization": "Bearer ada-1"})
_SPACE = {"type": "object", "properties": {"slug": {"type": "string"}, "name": {"type": "string"}}}
SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "spaces", "version": "1"},
    "paths": {
        "/api/spaces/{slug}/": {
            "parameters": [
                {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "get": {"responses": {"200": {"description": "the space"}}},
            "patch": {
                "requestBody": {"content": {"application/json": {"schema": _SPACE}}},
                "responses": {"200": {"description": "changed"}},
            },
        },
    },
}


class Spaces:
    """Spaces by slug; a PATCH takes every field it is sent, the slug too."""

    def __init__(self) -> None:
        self.spaces = {"lovelace": {"slug": "lovelace", "name": "Lovelace room"}}
        self.app = Starlette(
            routes=[Route("/api/spaces/{slug}/", self.one, methods=["GET", "PATCH"])]
        )

    async def one(self, request: Request) -> Response:
        space = self.spaces.pop(request.path_params["slug"], None)
        if space is None:
            return JSONResponse({"detail": "Not found."}, status_code=404)
        if request.method == "PATCH":
            space.update(await request.json())
        self.spaces[space["slug"]] = space
        return JSONResponse(space)


def _patch(body: dict[str, Any]) -> ScanRequest:
    return ScanRequest(
        method="PATCH",
        path="/api/spaces/{slug}/",
        operation="PATCH /api/spaces/{slug}/",
        path_params={"slug": "lovelace"},
        body=body,
        body_kind=BodyKind.JSON,
    )


async def _write(url: str, spec: Path) -> None:
    transport = Transport(url)
    sessions = Sessions(transport, (ADA,))
    ledger = Ledger(load(spec), sessions)
    try:
        await sessions.start()
        reply = await ledger.send(_patch({"slug": "acme", "name": "Lovelace room"}), as_=ADA)
        assert reply.ok, reply.text
    finally:
        await transport.close()


def test_the_legitimate_write_keeps_the_slug(serve: Callable[[Any], Any], tmp_path: Path) -> None:
    """The space is still at /api/spaces/lovelace/ after the write."""
    spaces = Spaces()
    spec = tmp_path / "spaces.json"
    spec.write_text(json.dumps(SPEC))
    asyncio.run(_write(serve(spaces.app).url, spec))
    assert list(spaces.spaces) == ["lovelace"]


def test_only_a_field_named_as_the_paths_last_parameter_follows_it() -> None:
    """Other fields, creations and bodies without the key are sent as they were."""
    assert keeping_key(_patch({"name": "x"})).body == {"name": "x"}
    assert keeping_key(_patch({"slug": "acme", "name": "x"})).body == {
        "slug": "lovelace",
        "name": "x",
    }
    numbered = ScanRequest(
        method="PUT", path="/notes/{id}", operation="PUT /notes/{id}",
        path_params={"id": "7"}, body={"id": 3, "text": "t"}, body_kind=BodyKind.JSON,
    )  # fmt: skip
    assert keeping_key(numbered).body == {"id": 7, "text": "t"}
    creation = ScanRequest(
        method="POST", path="/orgs/{slug}/spaces", operation="POST /orgs/{slug}/spaces",
        path_params={"slug": "acme"}, body={"slug": "new-room"}, body_kind=BodyKind.JSON,
    )  # fmt: skip
    assert keeping_key(creation) is creation
