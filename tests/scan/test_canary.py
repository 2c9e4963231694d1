"""The canary records requests that carry its tokens, and only those."""

from __future__ import annotations

import asyncio

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
