"""Every request a scan sends carries its own X-Request-Id, and the journal keeps each one."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request as StarletteRequest
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from apiward.core.errors import TargetError
from apiward.scan.request import Request, Where
from apiward.scan.transport import Transport


async def _echo_id(request: StarletteRequest) -> PlainTextResponse:
    return PlainTextResponse(request.headers.get("x-request-id", ""), status_code=418)


def _app() -> Starlette:
    return Starlette(routes=[Route("/who", _echo_id, methods=["GET", "POST"])])


def test_each_request_has_a_unique_id_under_the_scans_prefix(
    serve: Callable[[Any], Any],
) -> None:
    """Twenty concurrent requests arrive with twenty distinct ids, all under one scan prefix."""
    server = serve(_app())

    async def send() -> tuple[Transport, list[str]]:
        transport = Transport(server.url, concurrency=5)
        transport.requester = "bola"
        try:
            replies = await asyncio.gather(
                *(
                    transport.send(Request(method="GET", path="/who", operation="GET /who"))
                    for _ in range(20)
                )
            )
        finally:
            await transport.close()
        return transport, [r.text for r in replies]

    transport, seen = asyncio.run(send())
    assert re.fullmatch(r"apiward-[0-9a-f]{8}", transport.request_ids)
    assert len(set(seen)) == 20
    assert all(s.startswith(transport.request_ids + "-") for s in seen)
    assert sorted(s.request_id for s in transport.journal) == sorted(seen)
    assert {(s.by, s.method, s.path, s.operation, s.status) for s in transport.journal} == {
        ("bola", "GET", "/who", "GET /who", 418)
    }


def test_a_checks_own_request_id_header_cannot_hide_the_probe(
    serve: Callable[[Any], Any],
) -> None:
    """A check that sets X-Request-Id itself still sends the scan's id (the last word)."""
    server = serve(_app())
    request = Request(method="POST", path="/who", operation="POST /who").with_param(
        Where.HEADER, "X-Request-Id", "forged"
    )

    async def send() -> tuple[str, str]:
        transport = Transport(server.url)
        try:
            return (await transport.send(request)).text, transport.journal[0].request_id
        finally:
            await transport.close()

    arrived, logged = asyncio.run(send())
    assert arrived == logged != "forged"


def test_a_request_without_an_answer_is_journalled_with_no_status() -> None:
    """A refused connection still counts as sent: its id is journalled with status None."""

    async def send() -> Transport:
        transport = Transport("http://127.0.0.1:9", max_failures=5)
        try:
            with pytest.raises(TargetError):
                await transport.send(Request(method="GET", path="/x", operation=""))
        finally:
            await transport.close()
        return transport

    journal = asyncio.run(send()).journal
    assert [(s.path, s.status) for s in journal] == [("/x", None)]
