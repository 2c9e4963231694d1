"""A ``token_id`` is an object id, not a destination: another's API token is BOLA's to try.

Personal access tokens in Starlette, as help desks and code hosts offer them: ``POST
/tokens`` makes one, ``GET /tokens`` lists the caller's, ``GET`` and ``DELETE
/tokens/{token_id}`` read and revoke one. The scan had skipped the DELETE (the Litestar
trial's F3) because ``token_id`` begins with ``to``, as ``to_account`` does: a
destination, where a write names another's object by design. The flawed twin forgot the
owner check on the read; the fixed twin gives nothing of medium or above; neither
operation is skipped as a destination, and every seeded token is kept.
"""

from __future__ import annotations

import itertools
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
  - {name: alice, headers: {Authorization: Bearer session-alice}}
  - {name: bob, headers: {Authorization: Bearer session-bob}}
"""
SESSIONS = {"Bearer session-alice": "alice", "Bearer session-bob": "bob"}
SEED = {
    1: {"token_id": 1, "owner": "alice", "label": "laptop", "prefix": "pat_a1"},
    2: {"token_id": 2, "owner": "bob", "label": "ci", "prefix": "pat_b2"},
}
TOKEN = {
    "type": "object",
    "properties": {
        "token_id": {"type": "integer", "readOnly": True},
        "label": {"type": "string", "maxLength": 40},
        "prefix": {"type": "string", "readOnly": True},
    },
    "required": ["label"],
}
CONTRACT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "tokens", "version": "1"},
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/tokens": {
            "get": {
                "responses": {
                    "200": {
                        "description": "yours",
                        "content": {
                            "application/json": {"schema": {"type": "array", "items": TOKEN}}
                        },
                    }
                }
            },
            "post": {
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": TOKEN}},
                },
                "responses": {
                    "201": {
                        "description": "made",
                        "content": {"application/json": {"schema": TOKEN}},
                    }
                },
            },
        },
        "/tokens/{token_id}": {
            "parameters": [
                {"name": "token_id", "in": "path", "required": True, "schema": {"type": "integer"}}
            ],
            "get": {
                "summary": "One of your tokens",
                "responses": {
                    "200": {
                        "description": "yours",
                        "content": {"application/json": {"schema": TOKEN}},
                    },
                    "404": {"description": "no such token"},
                },
            },
            "delete": {
                "summary": "Revoke one of your tokens",
                "responses": {
                    "204": {"description": "revoked"},
                    "404": {"description": "no such token"},
                },
            },
        },
    },
}


def app_of(tokens: dict[int, dict[str, Any]], *, flawed: bool) -> Starlette:
    """The token API over ``tokens``; ``flawed`` revokes anyone's."""
    ids = itertools.count(10)

    def caller(request: Request) -> str | None:
        return SESSIONS.get(request.headers.get("authorization", ""))

    async def contract(request: Request) -> Response:
        return JSONResponse(CONTRACT)

    async def collection(request: Request) -> Response:
        who = caller(request)
        if who is None:
            return JSONResponse({"detail": "log in"}, 401)
        if request.method == "GET":
            return JSONResponse([t for t in tokens.values() if t["owner"] == who])
        try:
            label = (await request.json()).get("label")
        except ValueError:
            label = None
        if not isinstance(label, str):
            return JSONResponse({"detail": "label"}, 422)
        key = next(ids)
        tokens[key] = {"token_id": key, "owner": who, "label": label, "prefix": f"pat_{key}"}
        return JSONResponse(tokens[key], 201)

    async def item(request: Request) -> Response:
        who = caller(request)
        if who is None:
            return JSONResponse({"detail": "log in"}, 401)
        found = tokens.get(int(request.path_params["token_id"]))
        if found is None or (found["owner"] != who and not (flawed and request.method == "GET")):
            return JSONResponse({"detail": "no such token"}, 404)
        if request.method == "GET":
            return JSONResponse(found)
        del tokens[found["token_id"]]
        return Response(status_code=204)

    return Starlette(
        routes=[
            Route("/openapi.json", contract),
            Route("/tokens", collection, methods=["GET", "POST"]),
            Route("/tokens/{token_id:int}", item, methods=["GET", "DELETE"]),
        ]
    )


@pytest.mark.parametrize("flawed", [True, False], ids=["flawed", "fixed"])
def test_anothers_token_is_tried_and_found_on_the_flawed_twin_only(
    tmp_path: Any, flawed: bool
) -> None:
    """bola on GET /tokens/{token_id} (flawed); nothing serious (fixed); no destination skip."""
    tokens = {k: dict(v) for k, v in SEED.items()}
    with serving(app_of(tokens, flawed=flawed)) as url:
        result, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "bola")
    assert result.returncode in {0, 1}, result.stdout[-3000:] + result.stderr[-3000:]
    serious = [f for f in report["findings"] if f["severity"] in {"medium", "high", "critical"}]
    found = [f for f in serious if f["operation"] == "GET /tokens/{token_id}"]
    assert bool(found) == flawed, serious
    assert not [s for s in report["skipped"] if "destination" in s["detail"]], report["skipped"]
    assert tokens == SEED, report["tables"]["target_state"]
