"""``apiward scan`` reads a spec served by the target itself without ``--allow-private``.

The user named the target's origin (scheme, host, port) to be attacked, so its own
``/openapi.json`` is fair to fetch; any other private host — another port, another
loopback address, a ``$ref`` pointing there — still needs ``--allow-private``.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

Cli = Callable[..., subprocess.CompletedProcess[str]]


def _spec(item_schema: dict[str, Any]) -> dict[str, Any]:
    ok = {"description": "ok", "content": {"application/json": {"schema": item_schema}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "items", "version": "1"},
        "paths": {"/items": {"get": {"responses": {"200": ok}}}},
    }


def _app(item_schema: dict[str, Any]) -> Starlette:
    async def openapi(request: Request) -> JSONResponse:
        return JSONResponse(_spec(item_schema))

    async def items(request: Request) -> JSONResponse:
        return JSONResponse([{"id": 1}])

    return Starlette(routes=[Route("/openapi.json", openapi), Route("/items", items)])


def _scan(apiward: Cli, spec: str, target: str, out: Path) -> subprocess.CompletedProcess[str]:
    args = ["scan", "--spec", spec, "--target", target, "--checks", "security_headers"]
    return apiward(*args, "--json", str(out))


def test_spec_on_the_targets_own_origin_needs_no_allow_private(
    apiward: Cli, serve: Callable[[Any], Any], tmp_path: Path
) -> None:
    """--spec http://127.0.0.1:P/openapi.json with --target http://127.0.0.1:P scans."""
    server = serve(_app({"type": "object"}))
    out = tmp_path / "scan.json"
    result = _scan(apiward, f"{server.url}/openapi.json", server.url, out)
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text())
    assert report["complete"] is True
    assert report["stats"]["operations"] == 1


def test_spec_on_another_private_origin_is_still_refused(
    apiward: Cli, serve: Callable[[Any], Any], tmp_path: Path
) -> None:
    """A spec on another port of 127.0.0.1 than the target's needs --allow-private."""
    target, other = serve(_app({"type": "object"})), serve(_app({"type": "object"}))
    result = _scan(apiward, f"{other.url}/openapi.json", target.url, tmp_path / "scan.json")
    assert result.returncode == 2
    assert "127.0.0.1 is a loopback address (allow with --allow-private)" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_ref_from_the_targets_spec_to_another_private_host_is_refused(
    apiward: Cli, serve: Callable[[Any], Any], tmp_path: Path
) -> None:
    """Trusting the target's origin does not trust the hosts its spec's $refs name."""
    elsewhere: dict[str, Any] = {"$ref": "http://127.0.0.2:9/schemas.json#/Item"}
    server = serve(_app(elsewhere))
    result = _scan(apiward, f"{server.url}/openapi.json", server.url, tmp_path / "scan.json")
    assert result.returncode == 2
    assert "127.0.0.2 is a loopback address (allow with --allow-private)" in result.stderr
    assert "Traceback" not in result.stderr
