"""A write its writer may no longer undo is put back by whoever may: the object's owner.

The aiohttp trial's probe on ``PATCH /admin/users/{user_id}`` moved dana, a dispatcher of
one carrier, to another; while there, another check's write as dana pointed that carrier's
webhook at the scan's canary. Dana was moved back before the restore, which then tried
only the webhook's writers (dana, refused) and said "no write put them back" (exit 3),
while nora, the webhook's owner, could have. Every identity is tried after the writers.
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

from apiward.scan.changes import State, TargetChange, What
from apiward.scan.identities import Identity
from apiward.scan.ledger import Ledger
from apiward.scan.request import BodyKind
from apiward.scan.request import Request as ScanRequest
from apiward.scan.restore import restore
from apiward.scan.sessions import Sessions
from apiward.scan.transport import Transport
from apiward.spec import load

DANA = Identity(name="dana", headers={"Authorization": "Bearer dana-1"})
NORA = Identity(name="nora", headers={"Authorization": "Bearer nora-2"})
_HOOK = {"type": "object", "properties": {"url": {"type": "string"}}}
_ID = [{"name": "webhook_id", "in": "path", "required": True, "schema": {"type": "string"}}]
SPEC = {
    "openapi": "3.1.0",
    "info": {"title": "hooks", "version": "1"},
    "paths": {
        "/webhooks/{webhook_id}": {
            "parameters": _ID,
            "get": {"responses": {"200": {"description": "the webhook"}}},
            "patch": {
                "requestBody": {"content": {"application/json": {"schema": _HOOK}}},
                "responses": {"200": {"description": "changed"}, "403": {"description": "no"}},
            },
        },
    },
}
SEEDED = "https://erp.northline.example/inbound"


class Hooks:
    """Northline's webhook, which anyone reads and its carrier's dispatchers write."""

    def __init__(self) -> None:
        self.hook = {"id": "b8e3", "url": SEEDED}
        self.northline = {"nora", "dana"}  # dana, moved here by a probe for a while

    def app(self) -> Starlette:
        """The API."""
        return Starlette(routes=[Route("/webhooks/{id}", self.one, methods=["GET", "PATCH"])])

    async def one(self, request: Request) -> Response:
        who = {"Bearer dana-1": "dana", "Bearer nora-2": "nora"}.get(
            request.headers.get("authorization", "")
        )
        if who is None:
            return JSONResponse({"title": "Unauthorized"}, 401)
        if request.method == "PATCH":
            if who not in self.northline:  # any dispatcher reads it: the trial's F4
                return JSONResponse({"title": "Forbidden"}, 403)
            body = await request.json()
            self.hook["url"] = str(body.get("url", self.hook["url"]))
        return JSONResponse(self.hook)


async def _scan_like(hooks: Hooks, url: str, spec: Path) -> list[TargetChange]:
    transport = Transport(url)
    sessions = Sessions(transport, (DANA, NORA))
    ledger = Ledger(load(spec), sessions)
    try:
        await sessions.start()
        probe = ScanRequest(
            method="PATCH",
            path="/webhooks/{webhook_id}",
            operation="PATCH /webhooks/{webhook_id}",
            path_params={"webhook_id": "b8e3"},
            body={"url": "http://127.0.0.1:9/c/canary"},
            body_kind=BodyKind.JSON,
        )
        assert (await ledger.send(probe, as_=DANA)).ok
        hooks.northline.discard("dana")  # moved back to her own carrier
        return await restore(ledger)
    finally:
        await transport.close()


def test_the_owner_puts_back_what_a_writer_may_no_longer_write(
    serve: Callable[[Any], Any], tmp_path: Path
) -> None:
    """Dana is refused now; nora writes the old URL back, and the row says restored."""
    hooks = Hooks()
    spec = tmp_path / "hooks.json"
    spec.write_text(json.dumps(SPEC))
    changes = asyncio.run(_scan_like(hooks, serve(hooks.app()).url, spec))
    assert hooks.hook["url"] == SEEDED
    [row] = [c for c in changes if c.what is What.WRITTEN]
    assert row.state is State.RESTORED, row
    assert row.by == "nora", row
