"""A small Starlette notes API keyed by ``Authorization: Token ...``, any note to any key (a BOLA).

Every answer waits ``delay`` seconds first, so a scan lasts long enough for the tests
to watch workers overlap, or kill one mid-scan.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

TOKENS = {"ines": "tok_ines_4c1e8a90b2", "omar": "tok_omar_77f0d3e5c9"}
NOTES = {
    "groceries": {"slug": "groceries", "owner": "ines", "body": "eggs, rice"},
    "lease": {"slug": "lease", "owner": "ines", "body": "renew in May"},
    "gym": {"slug": "gym", "owner": "omar", "body": "tuesdays"},
}
IDENTITIES = """identities:
  - name: ines
    role: member
    headers: {Authorization: "Token ${NOTES_INES_TOKEN}"}
  - name: omar
    role: member
    headers: {Authorization: "Token ${NOTES_OMAR_TOKEN}"}
"""


def contract() -> dict[str, Any]:
    """The notes API's OpenAPI 3.0 contract."""
    note = {
        "type": "object",
        "properties": {"slug": {"type": "string"}, "body": {"type": "string"}},
    }
    one = {"description": "a note", "content": {"application/json": {"schema": note}}}
    many = {
        "description": "my notes",
        "content": {"application/json": {"schema": {"type": "array", "items": note}}},
    }
    slug = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "notes", "version": "1"},
        "security": [{"token": []}],
        "components": {
            "securitySchemes": {
                "token": {"type": "apiKey", "in": "header", "name": "Authorization"}
            }
        },
        "paths": {
            "/notes": {"get": {"operationId": "myNotes", "responses": {"200": many}}},
            "/notes/{slug}": {
                "get": {
                    "operationId": "readNote",
                    "parameters": [slug],
                    "responses": {"200": one, "404": {"description": "no such note"}},
                }
            },
        },
    }


def notes_app(*, delay: float = 0.0) -> Starlette:
    """The API; each answer ``delay`` seconds late."""
    owners = {f"Token {token}": name for name, token in TOKENS.items()}

    def caller(request: Request) -> str:
        name = owners.get(request.headers.get("authorization", ""))
        if name is None:
            raise HTTPException(401)
        return name

    async def mine(request: Request) -> JSONResponse:
        await asyncio.sleep(delay)
        me = caller(request)
        return JSONResponse([_shown(n) for n in NOTES.values() if n["owner"] == me])

    async def read(request: Request) -> JSONResponse:
        await asyncio.sleep(delay)
        caller(request)
        note = NOTES.get(request.path_params["slug"])
        if note is None:
            raise HTTPException(404)
        return JSONResponse(_shown(note))

    async def spec(request: Request) -> JSONResponse:
        return JSONResponse(contract())

    return Starlette(
        routes=[
            Route("/openapi.json", spec),
            Route("/notes", mine),
            Route("/notes/{slug}", read),
        ]
    )


def _shown(note: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in note.items() if k != "owner"}
