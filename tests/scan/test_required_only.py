"""A creation refused for an optional field's value is made without it, and then attacked.

A notes API written in Starlette: ``POST /notes`` takes a ``title`` and, optionally, a
``folderId`` that must be one of the caller's folders (``400 {"message": "folderId must
be one of your folders"}``), the way a NestJS service checks an ``assigneeId``. The scan
fills optional fields with made-up values, so every identity's note was refused, no note
of the scan's own existed, and a note anyone reads by id went unfound (the Nest trial's
tasks). Made again with the required fields alone, the note exists and the flawed twin's
read is found; the fixed twin gives nothing, and every note the scan made is deleted.
"""

from __future__ import annotations

import copy
import itertools
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
  - {name: alice, role: user, headers: {Authorization: Bearer nt-alice}}
  - {name: bob, role: user, headers: {Authorization: Bearer nt-bob}}
"""
TOKENS = {"Bearer nt-alice": "alice", "Bearer nt-bob": "bob"}
FOLDERS = {"alice": {"f-home"}, "bob": {"f-work"}}
NOTE = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "title": {"type": "string"},
        "folderId": {"type": "string"},
    },
}
ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "notes", "version": "1.0.0"},
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/notes": {
            "post": {
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["title"],
                                "properties": {
                                    "title": {"type": "string", "maxLength": 80},
                                    "folderId": {"type": "string"},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "201": {
                        "description": "Created",
                        "content": {"application/json": {"schema": NOTE}},
                    },
                    "400": {"description": "Bad Request"},
                },
            }
        },
        "/notes/{id}": {
            "get": {
                "parameters": ID,
                "responses": {
                    "200": {"description": "OK", "content": {"application/json": {"schema": NOTE}}},
                    "404": {"description": "Not Found"},
                },
            },
            "delete": {
                "parameters": ID,
                "responses": {
                    "204": {"description": "Deleted"},
                    "404": {"description": "Not Found"},
                },
            },
        },
    },
}
SEED = {1: {"owner": "alice", "title": "Groceries", "folderId": None}}


def app_of(notes: dict[int, dict[str, Any]], *, flawed: bool) -> Starlette:
    """The notes API; ``flawed`` reads any note by its id."""
    numbers = itertools.count(100)

    def caller(request: Request) -> str | None:
        return TOKENS.get(request.headers.get("authorization", ""))

    def mine(request: Request) -> tuple[str | None, dict[str, Any] | None]:
        who, note = caller(request), notes.get(int(request.path_params["id"]))
        if note is not None and note["owner"] != who and not flawed:
            note = None
        return who, note

    async def contract(request: Request) -> Response:
        return JSONResponse(CONTRACT)

    async def create(request: Request) -> Response:
        who = caller(request)
        if who is None:
            return JSONResponse({"message": "Unauthorized", "statusCode": 401}, 401)
        body = await request.json()
        folder = body.get("folderId")
        if folder is not None and folder not in FOLDERS[who]:
            refusal = {"message": "folderId must be one of your folders", "statusCode": 400}
            return JSONResponse(refusal, 400)
        key = next(numbers)
        notes[key] = {"owner": who, "title": str(body.get("title", "")), "folderId": folder}
        return JSONResponse({"id": key, "title": notes[key]["title"], "folderId": folder}, 201)

    async def read(request: Request) -> Response:
        who, note = mine(request)
        if who is None:
            return JSONResponse({"message": "Unauthorized", "statusCode": 401}, 401)
        if note is None:
            return JSONResponse({"message": "Not Found", "statusCode": 404}, 404)
        return JSONResponse({"id": int(request.path_params["id"]), "title": note["title"]})

    async def delete(request: Request) -> Response:
        who = caller(request)
        key = int(request.path_params["id"])
        note = notes.get(key)
        if who is None:
            return JSONResponse({"message": "Unauthorized", "statusCode": 401}, 401)
        if note is None or note["owner"] != who:
            return JSONResponse({"message": "Not Found", "statusCode": 404}, 404)
        del notes[key]
        return Response(status_code=204)

    return Starlette(
        routes=[
            Route("/openapi.json", contract),
            Route("/notes", create, methods=["POST"]),
            Route("/notes/{id:int}", read, methods=["GET"]),
            Route("/notes/{id:int}", delete, methods=["DELETE"]),
        ]
    )


@pytest.mark.parametrize("flawed", [True, False], ids=["flawed", "fixed"])
def test_a_note_made_without_its_optional_folder_is_attacked(tmp_path: Path, flawed: bool) -> None:
    """bob reading alice's new note by id is found; the fixed twin gives nothing; none stays."""
    notes = copy.deepcopy(SEED)
    with serving(app_of(notes, flawed=flawed)) as url:
        result, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "bola")
    assert result.returncode in {0, 1}, result.stdout[-3000:] + result.stderr[-3000:]
    made = [
        r
        for r in report["tables"]["requests"]
        if r["operation"] == "POST /notes" and r["status"] == 201
    ]
    assert made, "no note was made: the oracle below could not fail"
    found = {f["operation"] for f in report["findings"] if f["check"] == "bola"}
    assert ("GET /notes/{id}" in found) is flawed
    assert notes == SEED
