"""BOLA with a crowd of identities of one role: a few owners and peers each, not every pair.

A team that hands the scan its whole staff (here 40 members, one note each) has a file of
one role: every member against every other is 1,560 pairs, and 5,000 members were 25 million,
each looked up in the whole harvest before a request went out. Bola tries a few owners and a
few peers for each; a flaw open to one pair is open to those.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

Cli = Callable[..., subprocess.CompletedProcess[str]]

MEMBERS = 40


def _contract() -> dict[str, Any]:
    ok = {"200": {"description": "ok", "content": {"application/json": {"schema": {}}}}}
    note_id = [{"name": "note_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
    return {
        "openapi": "3.0.3",
        "info": {"title": "notes", "version": "1"},
        "security": [{"token": []}],
        "paths": {
            "/notes": {"get": {"responses": ok}},
            "/notes/{note_id}": {"get": {"parameters": note_id, "responses": ok}},
        },
        "components": {"securitySchemes": {"token": {"type": "http", "scheme": "bearer"}}},
    }


def notes_app(*, vulnerable: bool) -> Starlette:
    """Member ``m<i>`` (token ``t<i>``) owns note ``i + 1``; ``vulnerable`` serves any note."""
    owner = {i + 1: f"m{i}" for i in range(MEMBERS)}

    def caller(request: Request) -> str | None:
        token = request.headers.get("authorization", "").removeprefix("Bearer t")
        return f"m{token}" if token.isdigit() and int(token) < MEMBERS else None

    async def notes(request: Request) -> Response:
        who = caller(request)
        if who is None:
            return JSONResponse({"detail": "Not authenticated"}, 401)
        mine = [{"id": n, "text": f"{who}'s plan"} for n, o in owner.items() if o == who]
        return JSONResponse(mine)

    async def note(request: Request) -> Response:
        who = caller(request)
        if who is None:
            return JSONResponse({"detail": "Not authenticated"}, 401)
        number = request.path_params["note_id"]
        if number not in owner or (not vulnerable and owner[number] != who):
            return JSONResponse({"detail": "Not found"}, 404)
        return JSONResponse({"id": number, "text": f"{owner[number]}'s plan"})

    async def contract(request: Request) -> Response:
        return JSONResponse(_contract())

    return Starlette(
        routes=[
            Route("/openapi.json", contract),
            Route("/notes", notes),
            Route("/notes/{note_id:int}", note),
        ]
    )


def _bola(apiward: Cli, url: str, tmp_path: Path) -> tuple[list[dict[str, Any]], int]:
    """Bola's findings and the requests it sent, with every member in the identities file."""
    members = "".join(
        f"  - name: m{i}\n    role: member\n    headers: {{Authorization: Bearer t{i}}}\n"
        for i in range(MEMBERS)
    )
    ids = tmp_path / "identities.yaml"
    ids.write_text("identities:\n" + members)
    out = tmp_path / "out.json"
    result = apiward(
        "scan", "--spec", f"{url}/openapi.json", "--allow-private", "--target", url,
        "--identities", str(ids), "--checks", "bola", "--json", str(out),
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(out.read_text())
    assert report["complete"] is True
    sent = next(v for k, v in report["stats"].items() if k.endswith("bola"))
    return [f for f in report["findings"] if f["check"] == "bola"], sent


def test_a_crowd_of_members_finds_the_flaw(
    apiward: Cli, serve: Callable[[Any], Any], tmp_path: Path
) -> None:
    """Any member reads any note: found by the first pair."""
    findings, _ = _bola(apiward, serve(notes_app(vulnerable=True)).url, tmp_path)
    assert [f["operation"] for f in findings] == ["GET /notes/{note_id}"]


def test_a_crowd_of_members_is_not_tried_pair_by_pair(
    apiward: Cli, serve: Callable[[Any], Any], tmp_path: Path
) -> None:
    """Notes kept to their owners: nothing found, in a few dozen requests, not thousands."""
    findings, sent = _bola(apiward, serve(notes_app(vulnerable=False)).url, tmp_path)
    assert findings == []
    assert sent <= 60, sent
