"""A DELETE answered after the target reused its id for a new object leaves that object the scan's to remove.

An API that hands out ``max + 1`` gives a deleted id to the next object it makes. Under
load the scan's POST can be answered, and recorded, before the DELETE that freed its id:
the DELETE's answer then counted as removing both, and the new object was never deleted
(a full scan of ``shelf_app`` on a loaded box left one entry behind). A DELETE removes
only what the scan had recorded when it sent it.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from apiward.scan.identities import Identity
from apiward.scan.ledger import Ledger
from apiward.scan.removal import remove_made
from apiward.scan.request import BodyKind
from apiward.scan.request import Request as ScanRequest
from apiward.scan.sessions import Sessions
from apiward.scan.transport import Transport
from apiward.spec import load

SEED = {1: "milk", 2: "eggs"}
ALICE = Identity(name="alice", headers={"Authorization": "Bearer alice-7"})
_NOTE = {"type": "object", "properties": {"id": {"type": "integer"}, "text": {"type": "string"}}}
SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "notes", "version": "1"},
    "paths": {
        "/notes": {
            "post": {
                "requestBody": {"content": {"application/json": {"schema": _NOTE}}},
                "responses": {"201": {"description": "made"}},
            }
        },
        "/notes/{id}": {
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": _NOTE}],
            "get": {"responses": {"200": {"description": "the note"}}},
            "delete": {"responses": {"204": {"description": "gone"}}},
        },
    },
}


class Notes:
    """Notes numbered ``max + 1``; a DELETE removes at once and answers when ``release`` is set."""

    def __init__(self) -> None:
        self.notes = dict(SEED)
        self.deleting = threading.Event()
        self.release = threading.Event()
        self.app = Starlette(
            routes=[
                Route("/notes", self.add, methods=["POST"]),
                Route("/notes/{id:int}", self.one, methods=["GET", "DELETE"]),
            ]
        )

    async def add(self, request: Request) -> JSONResponse:
        new = max(self.notes, default=0) + 1
        self.notes[new] = str((await request.json()).get("text", ""))
        return JSONResponse({"id": new, "text": self.notes[new]}, status_code=201)

    async def one(self, request: Request) -> Response:
        key = request.path_params["id"]
        if key not in self.notes:
            return JSONResponse({"error": "Not Found"}, status_code=404)
        if request.method == "GET":
            return JSONResponse({"id": key, "text": self.notes[key]})
        del self.notes[key]
        self.deleting.set()
        await asyncio.to_thread(self.release.wait, 10)
        return Response(status_code=204)


def _post() -> ScanRequest:
    return ScanRequest(
        method="POST",
        path="/notes",
        operation="POST /notes",
        body={"text": "apiward probe"},
        body_kind=BodyKind.JSON,
    )


def _delete(value: object) -> ScanRequest:
    return ScanRequest(
        method="DELETE",
        path="/notes/{id}",
        operation="DELETE /notes/{id}",
        path_params={"id": str(value)},
    )


async def _race(url: str, spec: Path, notes: Notes) -> None:
    transport = Transport(url)
    sessions = Sessions(transport, (ALICE,))
    ledger = Ledger(load(spec), sessions)
    try:
        await sessions.start()
        first = await ledger.send(_post(), as_=ALICE)
        removal = asyncio.create_task(ledger.send(_delete(first.data["id"]), as_=ALICE))
        while not notes.deleting.is_set():
            await asyncio.sleep(0.01)
        second = await ledger.send(_post(), as_=ALICE)
        notes.release.set()  # the DELETE is answered after the POST that reused its id
        assert (await removal).status == 204
        assert second.data["id"] == first.data["id"], "the target did not reuse the id"
        assert ledger.holds(_delete(second.data["id"])), "the new note counted as deleted"
        await remove_made(ledger)
    finally:
        notes.release.set()
        await transport.close()


def test_a_reused_id_is_still_deleted(serve: Callable[[Any], Any], tmp_path: Path) -> None:
    """The note made while the DELETE of its id's first holder was in flight is removed by the restore."""
    notes = Notes()
    spec = tmp_path / "notes.json"
    spec.write_text(json.dumps(SPEC))
    asyncio.run(_race(serve(notes.app).url, spec, notes))
    assert notes.notes == SEED
