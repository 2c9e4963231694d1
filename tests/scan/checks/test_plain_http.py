"""``plain_http``: an API whose contract says https:// must not answer credentials over http://."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from tiny_support import BEARER, caller, operation, scan_app

from apiward.core.findings import Confidence, Severity
from apiward.scan.checks.plain_http import PlainHttp

ME = {"type": "object", "properties": {"name": {"type": "string"}}}


def _web(servers: list[dict[str, Any]], *, redirect: bool) -> Starlette:
    spec = {
        "openapi": "3.1.0",
        "info": {"title": "tiny", "version": "1"},
        "servers": servers,
        "paths": {"/me": {"get": operation(ME)}},
        "components": {"securitySchemes": BEARER},
    }

    async def contract(_: Request) -> Response:
        return JSONResponse(spec)

    async def me(request: Request) -> Response:
        if redirect:
            return RedirectResponse("https://api.example.test/me", status_code=308)
        who = caller(request)
        if who is None:
            return JSONResponse({"error": "no"}, status_code=401)
        return JSONResponse({"name": who})

    return Starlette(routes=[Route("/openapi.json", contract), Route("/me", me)])


HTTPS = [{"url": "https://api.example.test"}]


def _mine(web: Starlette) -> list[Any]:
    return [f for f in scan_app(web, [PlainHttp()]).findings if f.check == "plain_http"]


def test_credentials_answered_over_plain_http_are_reported() -> None:
    """An https-only contract served over http:// answering with data is a finding."""
    found = _mine(_web(HTTPS, redirect=False))
    assert [f.operation for f in found] == ["GET /me"]
    assert found[0].severity is Severity.LOW  # loopback target: maybe behind a TLS proxy
    assert found[0].confidence is Confidence.CONFIRMED
    assert found[0].evidence[0].request.url.startswith("http://127.0.0.1")


def test_a_redirect_to_https_is_not_flagged() -> None:
    """An API that 308-redirects plain HTTP to https:// gives no finding."""
    assert _mine(_web(HTTPS, redirect=True)) == []


def test_contracts_declaring_plain_http_are_not_flagged() -> None:
    """A relative or http:// server in the contract means plain HTTP is intended."""
    assert _mine(_web([{"url": "/"}], redirect=False)) == []
    assert _mine(_web([*HTTPS, {"url": "http://api.example.test"}], redirect=False)) == []
