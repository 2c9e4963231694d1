"""The canary records requests that carry its tokens, and only those."""

from __future__ import annotations

import asyncio
import gc
import socket
import warnings

import httpx

from apiward.scan.canary import Canary


async def _exercise() -> tuple[bool, bool, str]:
    canary = await Canary().start()
    try:
        wanted, other = canary.token("ssrf"), canary.token("unused")
        async with httpx.AsyncClient(trust_env=False) as client:
            answer = await client.get(wanted.url + "?x=1", headers={"X-Why": "test"})
        hit = await canary.hit(wanted.token, timeout=2)
        missed = await canary.hit(other.token, timeout=0.2)
        return hit is not None and hit.request.method == "GET", missed is None, answer.text
    finally:
        await canary.stop()


def test_hit_is_recorded_with_its_token() -> None:
    """A request to the token's URL is a hit; a token never used times out as None."""
    hit, missed, answer = asyncio.run(_exercise())
    assert hit
    assert missed
    assert answer == "ok"


async def _served() -> tuple[str, str, str]:
    canary = await Canary().start()
    try:
        page = canary.token("api10", body=b"<p>hi</p>", content_type="text/html")
        async with httpx.AsyncClient(trust_env=False) as client:
            answer = await client.get(page.url)
            plain = await client.get(canary.token("plain").url)
        return answer.headers["content-type"], answer.text, plain.text
    finally:
        await canary.stop()


def test_token_serves_its_own_answer() -> None:
    """A token made with a body answers that body and content type; others still answer ok."""
    content_type, body, plain = asyncio.run(_served())
    assert content_type == "text/html"
    assert body == "<p>hi</p>"
    assert plain == "ok"


async def _half_a_request() -> socket.socket:
    canary = await Canary().start()
    caller = socket.create_connection((canary.host, canary.port))
    caller.sendall(b"GET /c/aw0 HTTP/1.1\r\n")
    await asyncio.sleep(0.05)
    await canary.stop()
    return caller


def test_a_caller_that_never_finishes_its_head_is_closed_with_the_canary() -> None:
    """Stopping the canary closes a connection still reading its head: nothing outlives the loop."""
    caller = asyncio.run(_half_a_request())
    try:
        caller.settimeout(2)
        assert caller.recv(1) == b""
    finally:
        caller.close()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gc.collect()
