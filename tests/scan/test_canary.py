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
