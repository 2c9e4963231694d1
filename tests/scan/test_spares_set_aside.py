"""A spare made for a DELETE is that DELETE's: no other legitimate write is aimed at it meanwhile.

An identity's legitimate DELETE goes to a spare it makes first. Its legitimate PATCH goes
to the last object it made there. Checks run at once: on a loaded box the PATCH was aimed
at the DELETE's spare between its making and its removal, got 404, and the clinic's
``PATCH`` BOLA was missed (one scan in about fifteen). The PATCH goes to an object the
DELETE will not take.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from apiward.scan.canary import Canary
from apiward.scan.context import Context
from apiward.scan.harvest import Harvest
from apiward.scan.identities import Identity
from apiward.scan.sessions import Sessions
from apiward.scan.synthesis import Synthesizer
from apiward.scan.transport import Transport
from apiward.spec import Api, Operation, load

ALICE = Identity(name="alice", headers={"Authorization": "Bearer alice-7"})
_NOTE = {"type": "object", "properties": {"id": {"type": "integer"}, "text": {"type": "string"}}}
_BODY = {"content": {"application/json": {"schema": _NOTE}}}
_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "notes", "version": "1"},
    "paths": {
        "/notes": {
            "get": {"responses": {"200": {"description": "alice's notes"}}},
            "post": {"requestBody": _BODY, "responses": {"201": {"description": "made"}}},
        },
        "/notes/{id}": {
            "parameters": _ID,
            "patch": {"requestBody": _BODY, "responses": {"200": {"description": "changed"}}},
            "delete": {"responses": {"204": {"description": "gone"}}},
        },
    },
}


class Notes:
    """Notes by id; a DELETE removes at once and answers when ``release`` is set."""

    def __init__(self) -> None:
        self.notes = {1: "alice's first"}
        self.serial = itertools.count(2)
        self.deleting = threading.Event()
        self.release = threading.Event()
        self.app = Starlette(
            routes=[
                Route("/notes", self.listed, methods=["GET"]),
                Route("/notes", self.add, methods=["POST"]),
                Route("/notes/{id:int}", self.one, methods=["PATCH", "DELETE"]),
            ]
        )

    async def listed(self, request: Request) -> JSONResponse:
        return JSONResponse([{"id": k, "text": v} for k, v in self.notes.items()])

    async def add(self, request: Request) -> JSONResponse:
        new = next(self.serial)
        self.notes[new] = str((await request.json()).get("text", ""))
        return JSONResponse({"id": new, "text": self.notes[new]}, status_code=201)

    async def one(self, request: Request) -> Response:
        key = request.path_params["id"]
        if key not in self.notes:
            return JSONResponse({"error": "Not Found"}, status_code=404)
        if request.method == "PATCH":
            self.notes[key] = str((await request.json()).get("text", ""))
            return JSONResponse({"id": key, "text": self.notes[key]})
        del self.notes[key]
        self.deleting.set()
        await asyncio.to_thread(self.release.wait, 10)
        return Response(status_code=204)


def _op(api: Api, key: str) -> Operation:
    method, path = key.split(" ", 1)
    found = api.operation(method, path)
    assert found is not None
    return found


async def _race(url: str, spec: Path, notes: Notes) -> None:
    api = load(spec)
    transport = Transport(url)
    synthesizer = Synthesizer(api, url=f"{url}/canary")
    sessions = Sessions(transport, (ALICE,))
    ctx = Context(
        api=api, sessions=sessions, synthesizer=synthesizer, harvest=Harvest(synthesizer),
        canary=Canary(),
    )  # fmt: skip
    try:
        await sessions.start()
        listing = _op(api, "GET /notes")
        ctx.harvest.record(ALICE, listing, await ctx.send(ctx.request(listing), as_=ALICE))
        made = await ctx.legit(_op(api, "POST /notes"), ALICE)
        assert made.status == 201
        removal = asyncio.create_task(ctx.legit(_op(api, "DELETE /notes/{id}"), ALICE))
        while not notes.deleting.is_set():
            await asyncio.sleep(0.01)
        change = await ctx.legit(_op(api, "PATCH /notes/{id}"), ALICE)
        notes.release.set()
        assert (await removal).status == 204
        assert change.status == 200, change.text
        assert change.sent.path_params == {"id": str(made.data["id"])}
    finally:
        notes.release.set()
        await transport.close()


def test_a_write_is_never_aimed_at_a_deletes_spare(
    serve: Callable[[Any], Any], tmp_path: Path
) -> None:
    """While the DELETE of its spare is in flight, the PATCH goes to the note alice made before."""
    notes = Notes()
    spec = tmp_path / "notes.json"
    spec.write_text(json.dumps(SPEC))
    asyncio.run(_race(serve(notes.app).url, spec, notes))
