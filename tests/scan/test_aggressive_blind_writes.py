"""Under ``--aggressive``, a write nothing can read back is listed only when it landed.

A device API with no read of its devices: ``GET /me`` names the caller's device, ``PUT
/devices/{deviceId}/mode`` sets its mode. ``--aggressive`` sends such writes and lists each
as *not restored* ("what it changed is unknown"). A write the API refused (404 for another's
device, 400 for an id that is no device id) changed nothing: the Fastify trial's
``--aggressive`` scan exited 3 for five such rows, two of them listed twice.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tests.conftest import scan_with_identities

from serving import serving

OWNERS = {"tok-ana-41": ("ana", "dev-1"), "tok-ben-77": ("ben", "dev-2")}
IDENTITIES = """\
identities:
  - name: ana
    headers: {Authorization: Bearer tok-ana-41}
  - name: ben
    headers: {Authorization: Bearer tok-ben-77}
"""
_DEVICE = re.compile(r"^dev-[0-9]+$")


def _contract() -> dict[str, Any]:
    me = {"type": "object", "properties": {"name": {"type": "string"}, "deviceId": {"type": "string"}}}  # fmt: skip
    mode = {"type": "object", "required": ["mode"],
            "properties": {"mode": {"type": "string", "enum": ["eco", "boost"]}}}  # fmt: skip
    device = {"name": "deviceId", "in": "path", "required": True, "schema": {"type": "string"}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "devices", "version": "1"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
            "/me": {
                "get": {
                    "responses": {
                        "200": {
                            "description": "me",
                            "content": {"application/json": {"schema": me}},
                        }
                    }
                }
            },
            "/devices/{deviceId}/mode": {
                "put": {
                    "summary": "Set the device's mode",
                    "parameters": [device],
                    "requestBody": {"content": {"application/json": {"schema": mode}}},
                    "responses": {
                        "204": {"description": "set"},
                        "404": {"description": "no such device"},
                    },
                }
            },
        },
    }


def _app(modes: dict[str, str]) -> Starlette:
    def who(request: Request) -> tuple[str, str] | None:
        return OWNERS.get(request.headers.get("authorization", "").removeprefix("Bearer "))

    async def spec(request: Request) -> Response:
        return JSONResponse(_contract())

    async def me(request: Request) -> Response:
        caller = who(request)
        if caller is None:
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        return JSONResponse({"name": caller[0], "deviceId": caller[1]})

    async def mode(request: Request) -> Response:
        caller, device = who(request), request.path_params["device"]
        if caller is None:
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        if not _DEVICE.match(device):
            return JSONResponse({"error": "deviceId must look like dev-1"}, status_code=400)
        if device != caller[1]:
            return JSONResponse({"error": "no such device"}, status_code=404)
        try:
            given = await request.json()
        except ValueError:
            given = None
        if not isinstance(given, dict) or given.get("mode") not in {"eco", "boost"}:
            return JSONResponse({"error": "mode must be eco or boost"}, status_code=400)
        modes[device] = given["mode"]
        return Response(status_code=204)

    return Starlette(
        routes=[
            Route("/openapi.json", spec),
            Route("/me", me),
            Route("/devices/{device}/mode", mode, methods=["PUT"]),
        ]
    )


def test_only_writes_that_landed_are_listed_as_unknown(tmp_path: Path) -> None:
    """Each identity's write to its own device is listed once; refused ones are not."""
    modes = {"dev-1": "eco", "dev-2": "eco"}
    with serving(_app(modes)) as url:
        result, report = scan_with_identities(url, IDENTITIES, tmp_path, "--aggressive")
    assert result.returncode == 3, result.stdout[-3000:]  # what landed is unknown: damaged
    rows = [
        (r["object"], r["by"])
        for r in report["tables"]["target_state"]
        if "what it changed is unknown" in r["detail"]
    ]
    assert sorted(rows) == [("/devices/dev-1/mode", "ana"), ("/devices/dev-2/mode", "ben")], rows
