"""The transport survives a server that drops connections, and runs timing probes alone."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request as StarletteRequest
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from apiward.core.errors import TargetError
from apiward.scan.request import Request
from apiward.scan.transport import Transport


@pytest.fixture
def flaky() -> Iterator[tuple[str, list[str]]]:
    """A raw HTTP/1.1 server that closes the connection without answering every 2nd request."""
    listener = socket.create_server(("127.0.0.1", 0))
    seen: list[str] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                while True:
                    data = conn.recv(65536)
                    if not data:
                        break
                    seen.append(data.split(b" ", 2)[0].decode())
                    if len(seen) % 2 == 1:
                        break  # drop the connection with no answer, as some servers do after errors
                    conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}", seen
    listener.close()


def _send(url: str, method: str) -> Any:
    async def go() -> Any:
        transport = Transport(url)
        try:
            return await transport.send(Request(method=method, path="/x"))
        finally:
            await transport.close()

    return asyncio.run(go())


def test_an_idempotent_request_is_retried_once_on_a_fresh_connection(
    flaky: tuple[str, list[str]],
) -> None:
    """A GET whose connection is dropped is sent again and answered; the server saw it twice."""
    url, seen = flaky
    assert _send(url, "GET").text == "ok"
    assert seen == ["GET", "GET"]


def test_a_post_is_never_sent_twice(flaky: tuple[str, list[str]]) -> None:
    """A dropped POST may have had its effect: it fails instead of being repeated."""
    url, seen = flaky
    with pytest.raises(TargetError, match="reset or not HTTP"):
        _send(url, "POST")
    assert seen == ["POST"]


def test_requests_inside_alone_run_with_nothing_else_in_flight(
    serve: Callable[[Any], Any],
) -> None:
    """While a timing probe runs alone, no other request is in flight at the server."""
    in_flight = 0
    company: dict[str, list[int]] = {"/slow": [], "/timed": []}

    async def slow(request: StarletteRequest) -> PlainTextResponse:
        nonlocal in_flight
        in_flight += 1
        company[request.url.path].append(in_flight - 1)
        await asyncio.sleep(0.05)
        in_flight -= 1
        return PlainTextResponse("ok")

    server = serve(Starlette(routes=[Route("/slow", slow), Route("/timed", slow)]))
    marks: list[tuple[str, float]] = []

    async def go() -> None:
        transport = Transport(server.url, concurrency=8)

        async def crowd() -> None:
            for _ in range(6):
                await transport.send(Request(method="GET", path="/slow"))

        async def probe() -> None:
            await asyncio.sleep(0.02)
            async with transport.alone():
                marks.append(("start", time.perf_counter()))
                for _ in range(3):
                    await transport.send(Request(method="GET", path="/timed"))
                marks.append(("end", time.perf_counter()))

        try:
            await asyncio.gather(*(crowd() for _ in range(4)), probe())
        finally:
            await transport.close()

    asyncio.run(go())
    assert [m for m, _ in marks] == ["start", "end"]
    assert max(company["/slow"]) > 0  # the crowd overlapped itself outside alone()
    assert company["/timed"] == [0, 0, 0]  # each timed request found the server idle
