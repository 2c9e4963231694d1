"""A scan the target cut short puts back what it made once the target answers again.

The Rails trial's server, loaded beside two benchmarks, stopped answering in the middle of
a scan: the scan stopped with a partial report and exit 2, as it should, and left the 45
rows it had made, its restore phase never run. A Starlette notes API that stalls for a
few seconds once the checks begin (every request then waits past the scan's timeout and
is answered 503, having done nothing), then answers again: the scan still exits 2 with
its partial report, and its restore phase removes every note it made. A target that
never comes back is reported as such, with nothing put back.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import time
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - {name: ana, role: member, headers: {Authorization: Bearer nt-ana}}
  - {name: ben, role: member, headers: {Authorization: Bearer nt-ben}}
"""
TOKENS = {"Bearer nt-ana": "ana", "Bearer nt-ben": "ben"}
SEEDED = {
    "1": {"id": 1, "owner": "ana", "title": "Groceries", "body": "eggs, rye bread, leeks"},
    "2": {"id": 2, "owner": "ben", "title": "Bike repair", "body": "new chain, brake pads"},
}
NOTE = {
    "type": "object",
    "required": ["title"],
    "properties": {"title": {"type": "string"}, "body": {"type": "string"}},
}
SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "notes", "version": "1"},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "paths": {
        "/notes": {
            "get": {"responses": {"200": {"description": "my notes"}}},
            "post": {
                "requestBody": {"required": True, "content": {"application/json": {"schema": NOTE}}},
                "responses": {"201": {"description": "made"}},
            },
        },
        "/notes/{id}": {
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "get": {"responses": {"200": {"description": "a note"}, "404": {"description": "none"}}},
            "delete": {"responses": {"204": {"description": "gone"}, "404": {"description": "none"}}},
        },
    },
}  # fmt: skip


class Notes:
    """The API; the first read of one note starts a stall of ``stall`` seconds."""

    def __init__(self, *, stall: float) -> None:
        self.notes = copy.deepcopy(SEEDED)
        self.stall = stall
        self.stalled_until = 0.0
        self._ids = itertools.count(100)
        self.app = Starlette(
            middleware=[Middleware(BaseHTTPMiddleware, dispatch=self.overloaded)],
            routes=[
                Route("/openapi.json", self.spec),
                Route("/notes", self.listing, methods=["GET"]),
                Route("/notes", self.create, methods=["POST"]),
                Route("/notes/{id:int}", self.item, methods=["GET", "DELETE"]),
            ],
        )

    async def overloaded(self, request: Request, call_next: Any) -> Response:
        """While stalled, every request waits past the scan's timeout and does nothing."""
        if self.stalled_until == 0.0 and request.url.path.startswith("/notes/"):
            self.stalled_until = time.monotonic() + self.stall
        if time.monotonic() < self.stalled_until:
            await asyncio.sleep(2.0)
            return JSONResponse({"error": "database is locked"}, status_code=503)
        response: Response = await call_next(request)
        return response

    def _who(self, request: Request) -> str | None:
        return TOKENS.get(request.headers.get("authorization", ""))

    async def spec(self, request: Request) -> Response:
        return JSONResponse(SPEC)

    async def listing(self, request: Request) -> Response:
        who = self._who(request)
        if who is None:
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        return JSONResponse([n for n in self.notes.values() if n["owner"] == who])

    async def create(self, request: Request) -> Response:
        who, body = self._who(request), await request.json()
        if who is None:
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        if not isinstance(body.get("title"), str):
            return JSONResponse({"error": "title is required"}, status_code=422)
        note = {"id": next(self._ids), "owner": who, "title": body["title"],
                "body": str(body.get("body", ""))}  # fmt: skip
        self.notes[str(note["id"])] = note
        return JSONResponse(note, status_code=201)

    async def item(self, request: Request) -> Response:
        who, note = self._who(request), self.notes.get(str(request.path_params["id"]))
        if who is None:
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        if note is None or note["owner"] != who:
            return JSONResponse({"error": "not found"}, status_code=404)
        if request.method == "DELETE":
            del self.notes[str(note["id"])]
            return Response(status_code=204)
        return JSONResponse(note)


def test_a_target_that_answers_again_gets_its_notes_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Exit 2 with the partial report; the restore ran and every note the scan made is gone."""
    monkeypatch.setenv("APIWARD_OUTAGE_WAIT", "30")
    notes = Notes(stall=5.0)
    with serving(notes.app) as url:
        done, _ = scan_with_identities(url, IDENTITIES, tmp_path, "--timeout", "1")
    assert done.returncode == 2, done.stdout[-3000:] + done.stderr[-3000:]
    assert "target stopped answering" in done.stderr
    assert notes.notes == SEEDED
    report: dict[str, Any] = json.loads((tmp_path / "report.json").read_text())
    assert report["complete"] is False
    made = [r for r in report["tables"]["target_state"] if r["what"] == "object created"]
    assert made, report["tables"]["target_state"]
    assert {r["state"] for r in made} == {"deleted"}, report["tables"]["target_state"]
    assert any("the restore phase ran" in note for note in report["notes"]), report["notes"]


def test_a_target_that_stays_silent_is_said_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No restore when the target does not answer within the wait: the note says what stays."""
    monkeypatch.setenv("APIWARD_OUTAGE_WAIT", "3")
    notes = Notes(stall=3600.0)
    with serving(notes.app) as url:
        done, _ = scan_with_identities(url, IDENTITIES, tmp_path, "--timeout", "1")
    assert done.returncode == 2, done.stdout[-3000:] + done.stderr[-3000:]
    report: dict[str, Any] = json.loads((tmp_path / "report.json").read_text())
    assert any("did not answer again" in note for note in report["notes"]), report["notes"]
