"""Objects made in the caller's own collection (``POST /me/webhooks``) are handled at the top level.

The layout the Fastify trial used: a webhook is added at ``POST /v2/me/webhooks`` and
then read, tested and removed at ``/v2/webhooks/{webhookId}``. The scan saw no DELETE
for what the POST made, withheld every creation there, and so never tried the stored
URL's server-side fetch (SSRF) nor one member deleting another's webhook (BOLA).

A Starlette app with a hand-written contract, ``wh_`` ids and Fastify's error shape.
The flawed twin fetches any URL and forgets the owner check on ``DELETE``; the fixed
one fetches only its partners' host and checks the owner.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tests.conftest import scan_with_identities

from serving import serving

KEYS = {"Bearer t-ada-1": "ada", "Bearer t-ben-2": "ben"}
IDENTITIES = """\
identities:
  - {name: ada, role: member, headers: {Authorization: Bearer t-ada-1}}
  - {name: ben, role: member, headers: {Authorization: Bearer t-ben-2}}
"""
SEED = {
    "wh_seed0ada": {"owner": "ada", "url": "https://hooks.partner.example/ada", "event": "booked"},
    "wh_seed0ben": {"owner": "ben", "url": "https://hooks.partner.example/ben", "event": "booked"},
}
_HOOK = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "pattern": "^wh_[a-z0-9]{8,12}$", "readOnly": True},
        "url": {"type": "string", "format": "uri"},
        "event": {"type": "string", "enum": ["booked", "cancelled"]},
    },
}
_ID = [{"name": "webhookId", "in": "path", "required": True, "schema": {"type": "string"}}]
_ERR = {"description": "error", "content": {"application/json": {"schema": {"type": "object"}}}}


def _ok(schema: dict[str, Any], status: str = "200") -> dict[str, Any]:
    answer = {"description": "ok", "content": {"application/json": {"schema": schema}}}
    return {status: answer, "404": _ERR}


SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "deskhub hooks", "version": "2.0.0"},
    "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearerAuth": []}],
    "paths": {
        "/v2/me/webhooks": {
            "get": {"summary": "My webhooks", "responses": _ok({"type": "array", "items": _HOOK})},
            "post": {
                "summary": "Register a webhook",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {**_HOOK, "required": ["url", "event"]}}
                    },
                },
                "responses": _ok(_HOOK, "201"),
            },
        },
        "/v2/webhooks/{webhookId}": {
            "parameters": _ID,
            "get": {"summary": "One webhook", "responses": _ok(_HOOK)},
            "delete": {"summary": "Remove a webhook", "responses": {"204": {"description": "ok"}}},
        },
        "/v2/webhooks/{webhookId}/test": {
            "parameters": _ID,
            "post": {"summary": "Send a test event", "responses": _ok({"type": "object"})},
        },
    },
}


class Hooks:
    """Webhooks by id; ``flawed`` fetches any URL and lets anyone delete any webhook."""

    def __init__(self, *, flawed: bool) -> None:
        self.flawed = flawed
        self.hooks = {k: dict(v) for k, v in SEED.items()}
        self.made: list[str] = []
        self.app = Starlette(
            routes=[
                Route("/openapi.json", self.contract),
                Route("/v2/me/webhooks", self.mine, methods=["GET", "POST"]),
                Route("/v2/webhooks/{webhookId}", self.one, methods=["GET", "DELETE"]),
                Route("/v2/webhooks/{webhookId}/test", self.test, methods=["POST"]),
            ]
        )

    async def contract(self, request: Request) -> Response:
        return JSONResponse(SPEC)

    def _who(self, request: Request) -> str | None:
        return KEYS.get(request.headers.get("authorization", ""))

    async def mine(self, request: Request) -> Response:
        who = self._who(request)
        if who is None:
            return _error(401, "Unauthorized")
        if request.method == "GET":
            return JSONResponse([_out(k, h) for k, h in self.hooks.items() if h["owner"] == who])
        body = await request.json()
        if not isinstance(body, dict) or not str(body.get("url", "")).startswith("http"):
            return _error(400, 'body/url must match format "uri"')
        key = f"wh_{secrets.token_hex(4)}"
        self.hooks[key] = {"owner": who, "url": body["url"], "event": body.get("event", "booked")}
        self.made.append(key)
        return JSONResponse(_out(key, self.hooks[key]), status_code=201)

    async def one(self, request: Request) -> Response:
        who, key = self._who(request), request.path_params["webhookId"]
        if who is None:
            return _error(401, "Unauthorized")
        found = self.hooks.get(key)
        checked = request.method == "GET" or not self.flawed
        if found is None or (checked and found["owner"] != who):
            return _error(404, "Webhook not found")
        if request.method == "DELETE":
            del self.hooks[key]
            return Response(status_code=204)
        return JSONResponse(_out(key, found))

    async def test(self, request: Request) -> Response:
        who, key = self._who(request), request.path_params["webhookId"]
        found = self.hooks.get(key)
        if who is None or found is None or found["owner"] != who:
            return _error(404, "Webhook not found")
        host = urlsplit(found["url"]).hostname
        if not self.flawed and host != "hooks.partner.example":
            return _error(400, "Webhooks may only target hooks.partner.example")
        if host in {"127.0.0.1", "localhost"}:  # the test never leaves the loopback
            async with httpx.AsyncClient(trust_env=False, timeout=2) as client:
                try:
                    await client.post(found["url"], json={"event": "test"})
                except httpx.HTTPError:
                    return _error(502, "Delivery failed")
        return JSONResponse({"delivered": True})


def _error(status: int, message: str) -> JSONResponse:
    names = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 502: "Bad Gateway"}
    body = {"statusCode": status, "error": names[status], "message": message}
    return JSONResponse(body, status_code=status)


def _out(key: str, hook: dict[str, Any]) -> dict[str, Any]:
    return {"id": key, "url": hook["url"], "event": hook["event"]}


@pytest.mark.parametrize("flawed", [True, False], ids=["flawed", "fixed"])
def test_webhooks_made_under_me_are_attacked_and_deleted(flawed: bool, tmp_path: Path) -> None:
    """The stored URL's fetch (its test event sent) and the cross-member DELETE are found on the flawed twin only;
    every webhook the scan made is deleted, the seeded ones are as they were."""
    hooks = Hooks(flawed=flawed)
    with serving(hooks.app) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "ssrf,bola")
    assert done.returncode in {0, 1}, done.stdout[-3000:]
    assert hooks.made, "the scan made no webhook: nothing below could fail"
    found = {(f["check"], f["operation"]) for f in report["findings"]}
    expected = {
        ("ssrf", "POST /v2/me/webhooks"),  # the URL's operation; its evidence, the trigger
        ("bola", "DELETE /v2/webhooks/{webhookId}"),
    }
    assert (expected <= found) is flawed, found
    if not flawed:
        assert not found, found
    assert hooks.hooks == SEED
