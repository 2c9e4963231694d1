"""A request whose path still holds a ``{name}`` is never sent: it would ask for nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request as StarletteRequest
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from apiward.scan.request import Request, Unfilled
from apiward.scan.transport import Transport


def _app(seen: list[str]) -> Starlette:
    async def anything(request: StarletteRequest) -> PlainTextResponse:
        seen.append(request.scope["raw_path"].decode())
        return PlainTextResponse("ok")

    return Starlette(routes=[Route("/{rest:path}", anything)])


def _send(url: str, request: Request) -> str:
    async def go() -> str:
        transport = Transport(url)
        try:
            return (await transport.send(request)).text
        finally:
            await transport.close()

    return asyncio.run(go())


def test_an_unfilled_path_parameter_is_refused_unsent(serve: Callable[[Any], Any]) -> None:
    """``/teams/{team_id}/boards/7`` raises ``Unfilled`` naming ``{team_id}``; the server sees nothing."""
    seen: list[str] = []
    server = serve(_app(seen))
    request = Request(
        method="GET", path="/teams/{team_id}/boards/{board_id}", path_params={"board_id": "7"}
    )
    assert request.unfilled == ("team_id",)
    with pytest.raises(Unfilled, match=r"\{team_id\}"):
        _send(server.url, request)
    assert seen == []


def test_braces_in_a_value_are_sent_escaped(serve: Callable[[Any], Any]) -> None:
    """A probe's ``{{7*7}}`` is a value, not a template: it goes out percent-encoded."""
    seen: list[str] = []
    server = serve(_app(seen))
    request = Request(method="GET", path="/boards/{board_id}", path_params={"board_id": "{{7*7}}"})
    assert request.unfilled == ()
    assert _send(server.url, request) == "ok"
    assert seen == ["/boards/%7B%7B7%2A7%7D%7D"]
