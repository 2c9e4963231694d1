"""Rate limits: one contract suite over every storage (memory and a real Redis on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from guard_app import echo_app  # type: ignore[import-not-found]

from apiward.guard import BanPolicy, Guard, RateLimitPolicy
from apiward.spec import Api
from conftest import quiet_policy  # type: ignore[import-not-found]

pytestmark = pytest.mark.anyio
STORAGES = ["memory://", "redis://127.0.0.1:6379"]


@pytest.fixture(params=STORAGES, ids=["memory", "redis"])
def storage(request: pytest.FixtureRequest) -> str:
    """Each storage in turn."""
    return str(request.param)


def _client() -> str:
    # A fresh address per test keeps Redis keys apart without flushing a shared Redis.
    return f"198.18.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"


def _limits(storage: str, *limits: str, **extra: Any) -> RateLimitPolicy:
    return RateLimitPolicy(storage=storage, limits=limits, **extra)


async def test_limit_holds_and_429_says_when(guarded: Callable[..., Any], storage: str) -> None:
    """The n+1-th request in a window is refused with 429, Retry-After and RateLimit fields."""
    async with guarded(client_ip=_client(), ratelimit=_limits(storage, "3/minute")) as http:
        answers = [await http.get("/items/1") for _ in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert answers[0].headers["ratelimit-policy"] == '"3/1minute";q=3;w=60'
    assert answers[0].headers["ratelimit"].startswith('"3/1minute";r=2;t=')
    assert int(answers[3].headers["retry-after"]) > 0
    assert answers[3].json()["type"].endswith("ratelimit.exceeded")


async def test_several_windows_at_once(guarded: Callable[..., Any], storage: str) -> None:
    """10/minute and 2/second: the tighter window refuses first."""
    async with guarded(
        client_ip=_client(), ratelimit=_limits(storage, "10/minute", "2/second")
    ) as http:
        codes = [(await http.get("/items/1")).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


async def test_buckets_are_per_template_not_per_path(
    guarded: Callable[..., Any], storage: str
) -> None:
    """/items/1 and /items/2 share GET /items/{item_id}'s bucket (no bucket splitting)."""
    async with guarded(client_ip=_client(), ratelimit=_limits(storage, "2/minute")) as http:
        codes = [(await http.get(f"/items/{i}")).status_code for i in range(3)]
        other = await http.get("/items")
    assert codes == [200, 200, 429]
    assert other.status_code == 200


async def test_per_operation_limits(guarded: Callable[..., Any], storage: str) -> None:
    """operations: overrides the default for one operation."""
    policy = _limits(storage, "100/minute", operations={"GET /items": ("1/minute",)})
    async with guarded(client_ip=_client(), ratelimit=policy) as http:
        codes = [(await http.get("/items")).status_code for _ in range(2)]
        other = await http.get("/items/1")
    assert (codes, other.status_code) == ([200, 429], 200)


async def test_concurrent_burst_never_exceeds_the_limit(
    api: Api, tmp_path: Any, storage: str
) -> None:
    """60 concurrent requests through two guard instances sharing a storage: exactly 10 admitted."""
    policy = quiet_policy(tmp_path, ratelimit=_limits(storage, "10/minute"))
    guards = [Guard(echo_app, policy=policy, api=api) for _ in range(2)]
    if storage == "memory://":
        guards = guards[:1]  # memory is per process: one instance
    client = (_client(), 1)
    clients = [
        httpx.AsyncClient(transport=httpx.ASGITransport(app=g, client=client), base_url="http://g")
        for g in guards
    ]
    answers = await asyncio.gather(*(clients[i % len(clients)].get("/items/1") for i in range(60)))
    for http in clients:
        await http.aclose()
    for guard in guards:
        await guard.aclose()
    assert sum(r.status_code == 200 for r in answers) == 10
    assert sum(r.status_code == 429 for r in answers) == 50


async def test_repeated_violations_ban_the_client(
    guarded: Callable[..., Any], storage: str
) -> None:
    """After `after` violations within `within` seconds the client is banned everywhere."""
    policy = _limits(storage, "1/minute", ban=BanPolicy(after=2, within=60, duration=30))
    async with guarded(client_ip=_client(), ratelimit=policy) as http:
        codes = [(await http.get("/items/1")).status_code for _ in range(3)]
        banned = await http.get("/items")
    assert codes == [200, 429, 429]
    assert banned.json()["type"].endswith("ratelimit.banned")
    assert int(banned.headers["retry-after"]) > 0


async def test_unreachable_redis_fails_closed(guarded: Callable[..., Any]) -> None:
    """Redis down (a closed port on 127.0.0.1) → 503, not an unlimited API."""
    async with guarded(ratelimit=_limits("redis://127.0.0.1:1", "5/minute")) as http:
        r = await http.get("/items/1")
    assert (r.status_code, r.json()["type"].rsplit("/", 1)[1]) == (503, "ratelimit.unavailable")


async def test_unreachable_redis_can_fail_open(guarded: Callable[..., Any]) -> None:
    """fail_open: true lets requests through when the storage is down."""
    async with guarded(
        ratelimit=_limits("redis://127.0.0.1:1", "5/minute", fail_open=True)
    ) as http:
        r = await http.get("/items/1")
    assert r.status_code == 200
