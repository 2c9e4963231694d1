"""A Swagger 2.0 ``basePath`` and a target given as a bare origin.

The Koa trial's contract said ``basePath: /v1``; its user gave ``--target
http://127.0.0.1:29480``, every login was answered 404 and the scan ran anonymously. A
target with no path takes the base path the contract's servers agree on, and says so; a
target with a path of its own is used as given.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route

from apiward.scan.base_path import based
from apiward.spec import load

KEYS = {"nia": "k-nia-1", "ravi": "k-ravi-2"}


def _swagger(host: str) -> dict[str, Any]:
    login = {
        "in": "body",
        "name": "body",
        "required": True,
        "schema": {
            "type": "object",
            "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
        },
    }
    return {
        "swagger": "2.0",
        "info": {"title": "tool library", "version": "1"},
        "host": host,
        "basePath": "/v1",
        "securityDefinitions": {"key": {"type": "apiKey", "in": "header", "name": "X-Api-Key"}},
        "paths": {
            "/keys": {
                "post": {"parameters": [login], "responses": {"201": {"description": "a key"}}}
            },
            "/me": {
                "get": {"security": [{"key": []}], "responses": {"200": {"description": "me"}}}
            },
        },
    }


def tools_app() -> Starlette:
    """Everything under /v1; Koa's plain 404 elsewhere."""

    async def keys(request: Request) -> Response:
        given = await request.json()
        if KEYS.get(given.get("username")) is None or given.get("password") != "pw":
            return JSONResponse({"errors": [{"message": "bad credentials"}]}, 401)
        return JSONResponse({"key": KEYS[given["username"]]}, 201)

    async def me(request: Request) -> Response:
        who = [n for n, k in KEYS.items() if k == request.headers.get("x-api-key")]
        if not who:
            return PlainTextResponse("Unauthorized", 401)
        return JSONResponse({"username": who[0], "_links": {"self": {"href": "/v1/me"}}})

    async def swagger(request: Request) -> Response:
        return JSONResponse(_swagger(request.url.netloc))

    async def not_found(request: Request) -> Response:
        return PlainTextResponse("Not Found", 404)

    v1 = [
        Route("/keys", keys, methods=["POST"]),
        Route("/me", me),
        Route("/swagger.json", swagger),
    ]
    return Starlette(routes=[Mount("/v1", routes=v1), Route("/{rest:path}", not_found)])


IDENTITIES = "identities:\n" + "".join(
    f"  - name: {name}\n    role: member\n    login:\n      operation: POST /keys\n"
    f"      json: {{username: {name}, password: pw}}\n      token: key\n"
    f"      header: X-Api-Key\n      prefix: ''\n"
    for name in KEYS
)


def test_a_bare_origin_takes_the_contracts_base_path(
    serve: Callable[..., Any], tmp_path: Path, apiward: Callable[..., Any]
) -> None:
    """Both identities log in through /v1/keys, and a note says where requests went."""
    url = serve(tools_app()).url
    (tmp_path / "ids.yaml").write_text(IDENTITIES)
    out = tmp_path / "out.json"
    result = apiward(
        "scan", "--spec", f"{url}/v1/swagger.json", "--target", url,
        "--identities", str(tmp_path / "ids.yaml"), "--checks", "bola", "--json", str(out),
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stderr
    notes = json.loads(out.read_text())["notes"]
    assert f"requests go to {url}/v1: the contract's base path is /v1" in " ".join(notes)
    assert not [n for n in notes if "could not log in" in n], notes


def test_a_target_with_a_path_is_used_as_given(serve: Callable[..., Any]) -> None:
    """``--target http://host/v1`` (or any path) is the user's choice: no note."""
    url = serve(tools_app()).url
    api = load(f"{url}/v1/swagger.json", allow_private=True)
    assert based(f"{url}/v1", api) == (f"{url}/v1", None)
    assert based(url, api)[0] == f"{url}/v1"
