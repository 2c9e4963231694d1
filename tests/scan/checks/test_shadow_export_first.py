"""shadow_endpoints asks for the users' export named the other way round too.

The Django Ninja trial hid ``/api/admin/export/users``, the Sanic trial
``/_internal/export/users``: the export before what it exports, where the scan asked only
``/api/admin/users/export``. Both answered every account and its password hash to anyone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from ownership_support import scan_app
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from apiward.core.findings import Severity
from apiward.scan import Identity
from apiward.scan.checks.shadow import ShadowEndpoints

IDENTITIES = (Identity(name="ann", role="user", headers={"Authorization": "Bearer ex-ann"}),)
ACCOUNTS = [
    {"id": 1, "username": "ann", "password": "pbkdf2_sha256$600000$x1$aGFzaGVkLWFubi0x"},
    {"id": 2, "username": "bob", "password": "pbkdf2_sha256$600000$x2$aGFzaGVkLWJvYi0y"},
]
_OK = {"200": {"description": "ok", "content": {"application/json": {"schema": {}}}}}
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "rentals", "version": "1"},
    "paths": {"/api/properties": {"get": {"responses": _OK}}},
}


def _app(hidden: str) -> Starlette:
    async def contract(request: Request) -> JSONResponse:
        return JSONResponse(CONTRACT)

    async def properties(request: Request) -> JSONResponse:
        return JSONResponse([{"id": 3, "name": "Harbour flat"}])

    async def export(request: Request) -> JSONResponse:
        return JSONResponse(ACCOUNTS)

    return Starlette(
        routes=[
            Route("/openapi.json", contract),
            Route("/api/properties", properties),
            Route(hidden, export),
        ]
    )


@pytest.mark.parametrize("hidden", ["/api/admin/export/users", "/_internal/export/users"])
def test_a_users_export_named_export_first_is_found(serve: Callable[..., Any], hidden: str) -> None:
    """Every account with its password hash, to anyone: high."""
    server = serve(_app(hidden))
    results = scan_app(server.url, ShadowEndpoints(), IDENTITIES)
    found = {f.key: f.severity for f in results.findings if f.severity >= Severity.MEDIUM}
    assert found == {hidden: Severity.HIGH}
