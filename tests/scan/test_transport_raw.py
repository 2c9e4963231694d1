"""A RAW body goes out byte for byte, so checks can send malformed input."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request as StarletteRequest
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from apiward.scan.request import BodyKind, Request, Where
from apiward.scan.transport import Transport


async def _echo(request: StarletteRequest) -> PlainTextResponse:
    body = (await request.body()).decode()
    return PlainTextResponse(f"{request.headers.get('content-type')}|{body}")


def test_raw_body_is_sent_as_is(serve: Callable[[Any], Any]) -> None:
    """A broken JSON text with a JSON content type reaches the server unchanged."""
    server = serve(Starlette(routes=[Route("/echo", _echo, methods=["POST"])]))
    request = Request(method="POST", path="/echo", body='{"a": ', body_kind=BodyKind.RAW)
    request = request.with_param(Where.HEADER, "Content-Type", "application/json")

    async def send() -> str:
        transport = Transport(server.url)
        try:
            return (await transport.send(request)).text
        finally:
            await transport.close()

    assert asyncio.run(send()) == 'application/json|{"a": '
