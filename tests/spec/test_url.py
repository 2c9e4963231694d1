"""Specs load from http(s) URLs through the SSRF-safe client, bounded in size and time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from apiward.core.errors import FetchError, SpecError, UnsafeAddressError
from apiward.spec import load

SPEC = """
openapi: 3.0.0
info: {title: Remote, version: "1"}
paths:
  /pets:
    get:
      responses:
        "200":
          description: ok
          content: {application/json: {schema: {$ref: "schemas.yaml#/Pet"}}}
"""


async def spec(request: Request) -> Response:
    return PlainTextResponse(SPEC, media_type="application/yaml")


async def schemas(request: Request) -> Response:
    return PlainTextResponse("Pet: {type: object}\n", media_type="application/yaml")


async def big(request: Request) -> Response:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(100):
            yield b"#" * 10_000 + b"\n"

    return StreamingResponse(chunks(), media_type="application/yaml")


async def slow(request: Request) -> Response:
    await asyncio.sleep(2)
    return PlainTextResponse("openapi: 3.0.0\n")


async def missing(request: Request) -> Response:
    return PlainTextResponse("nope", status_code=404)


APP = Starlette(
    routes=[
        Route("/api/spec.yaml", spec),
        Route("/api/schemas.yaml", schemas),
        Route("/big.yaml", big),
        Route("/slow.yaml", slow),
        Route("/missing.yaml", missing),
    ]
)


def test_url_loads_with_remote_relative_refs(serve: Callable[[Any], Any]) -> None:
    """A spec URL loads, and its relative $refs are fetched from the same server."""
    server = serve(APP)
    api = load(f"{server.url}/api/spec.yaml", allow_private=True)
    assert api.title == "Remote"
    assert api.source == f"{server.url}/api/spec.yaml"
    assert api.schemas["Pet"] == {"type": "object"}
    assert api.warnings == ()


def test_loopback_url_is_refused_without_allow_private(serve: Callable[[Any], Any]) -> None:
    """127.0.0.1 is refused unless allow_private is set, with the URL in the message."""
    server = serve(APP)
    url = f"{server.url}/api/spec.yaml"
    with pytest.raises(UnsafeAddressError) as caught:
        load(url)
    assert str(caught.value) == (
        f"{url}: refusing to fetch: 127.0.0.1 is a loopback address (allow with --allow-private)"
    )


def test_response_over_max_bytes_is_cut_off(serve: Callable[[Any], Any]) -> None:
    """A response larger than max_bytes stops being read and is a FetchError."""
    server = serve(APP)
    with pytest.raises(FetchError, match="larger than the 50000 bytes allowed"):
        load(f"{server.url}/big.yaml", allow_private=True, max_bytes=50_000)


def test_server_that_never_answers_times_out(serve: Callable[[Any], Any]) -> None:
    """A server that does not answer ends in a FetchError after about the timeout."""
    server = serve(APP)
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"timed out after 0\.3 s"):
        load(f"{server.url}/slow.yaml", allow_private=True, timeout=0.3)
    assert time.monotonic() - started < 1.5


def test_http_error_status_is_a_fetch_error(serve: Callable[[Any], Any]) -> None:
    """An HTTP error status is a one-line FetchError (a SpecError)."""
    server = serve(APP)
    with pytest.raises(SpecError, match=r"missing\.yaml: HTTP 404"):
        load(f"{server.url}/missing.yaml", allow_private=True)


def test_remote_spec_cannot_reference_local_files(serve: Callable[[Any], Any]) -> None:
    """A spec fetched over HTTP may not pull in local files through $ref."""

    async def sneaky(request: Request) -> Response:
        return PlainTextResponse(
            "openapi: 3.0.0\ninfo: {}\ncomponents: {schemas: {P: {$ref: 'file:///etc/passwd'}}}\n"
        )

    server = serve(Starlette(routes=[Route("/s.yaml", sneaky)]))
    api = load(f"{server.url}/s.yaml", allow_private=True)
    assert api.schemas["passwd"] == {}
    assert "a remote document may only reference http(s)" in api.warnings[0]


@pytest.mark.parametrize("url", ["http://", "http:///x", "http://[::1"])
def test_malformed_urls_are_one_line_errors(url: str) -> None:
    """A URL without a host or with a broken authority is a SpecError, not a traceback."""
    with pytest.raises(SpecError, match="not a valid URL"):
        load(url)
