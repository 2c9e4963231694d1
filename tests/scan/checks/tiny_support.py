"""Tiny hand-written APIs for the exposure, misconfiguration and inventory checks' tests.

Each is a Starlette app serving its own ``/openapi.json`` (written by hand, so a test
controls every schema) and a bearer token ``t-alice`` / ``t-bob`` for two users.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from apiward.core.registry import Registry
from apiward.scan import Identity, Results, ScanConfig, scan
from apiward.scan.check import AnyCheck
from apiward.spec import load
from serving import serving

Handler = Callable[[Request], Awaitable[Response]]
TOKENS = {"Bearer t-alice": "alice", "Bearer t-bob": "bob"}
IDENTITIES = (
    Identity(name="alice", role="user", headers={"Authorization": "Bearer t-alice"}),
    Identity(name="bob", role="user", headers={"Authorization": "Bearer t-bob"}),
)
BEARER = {"bearer": {"type": "http", "scheme": "bearer"}}


def caller(request: Request) -> str | None:
    """The user a request authenticates as, if any."""
    return TOKENS.get(request.headers.get("authorization", ""))


def ok(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A 200 response with a JSON schema."""
    return {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}}


def operation(schema: Mapping[str, Any], *, secured: bool = True, **extra: Any) -> dict[str, Any]:
    """An operation answering ``schema``, secured by bearer unless told otherwise."""
    return {"responses": ok(schema), "security": [{"bearer": []}] if secured else [], **extra}


def app(
    paths: Mapping[str, Any],
    routes: list[Route],
    *,
    schemas: Mapping[str, Any] | None = None,
    catch_all: Handler | None = None,
) -> Starlette:
    """An app serving ``routes`` and the contract ``paths`` (+ ``schemas``)."""
    spec = {
        "openapi": "3.1.0",
        "info": {"title": "tiny", "version": "1"},
        "paths": paths,
        "components": {"schemas": dict(schemas or {}), "securitySchemes": BEARER},
    }

    async def contract(_: Request) -> Response:
        return JSONResponse(spec)

    extra = [Route("/{rest:path}", catch_all)] if catch_all is not None else []
    return Starlette(routes=[Route("/openapi.json", contract), *routes, *extra])


def scan_app(
    web: Starlette,
    checks: list[AnyCheck],
    *,
    identities: tuple[Identity, ...] = IDENTITIES,
    proxy_headers: bool = True,
    aggressive: bool = False,
) -> Results:
    """Serve ``web`` on a real uvicorn server and scan it with ``checks`` only."""
    with serving(web, proxy_headers=proxy_headers) as url:
        api = load(f"{url}/openapi.json", allow_private=True)
        registry = Registry[AnyCheck]("check", ((c.id, c) for c in checks))
        config = ScanConfig(target=url, identities=identities, aggressive=aggressive)
        return asyncio.run(scan(api, config, registry))
