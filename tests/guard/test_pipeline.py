"""The stage contract: every stage can be closed, and stages hand each other typed things."""

from __future__ import annotations

import inspect
from pathlib import Path

import httpx
import pytest
from guard_app import echo_app

from apiward.guard import Guard, Policy, RateLimitPolicy
from apiward.guard.context import Context
from apiward.guard.pipeline import build_stages
from apiward.guard.ratelimit import RateLimit
from apiward.guard.routes import Route, RouteTable
from apiward.spec import Api
from conftest import quiet_policy

pytestmark = pytest.mark.anyio


def test_every_stage_has_an_aclose(api: Api) -> None:
    """Shutdown calls aclose() on each stage: no stage is special-cased by name."""
    built = build_stages(Policy(), api, RouteTable.from_api(api))
    assert len(built.stages) == 4  # transport, ratelimit, validate, ssrf
    assert all(inspect.iscoroutinefunction(stage.aclose) for stage in built.stages)


def test_the_rate_limit_stage_is_the_bans_handle(api: Api) -> None:
    """Later builders get the rate-limit stage as setup.bans, and nothing when it is off."""
    on = build_stages(Policy(), api, RouteTable.from_api(api))
    assert isinstance(on.setup.bans, RateLimit)
    assert on.setup.bans in on.stages
    off = build_stages(
        Policy(ratelimit=RateLimitPolicy(enabled=False)), api, RouteTable.from_api(api)
    )
    assert off.setup.bans is None


class _Counting:
    """A stage that notes each route it is called on."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    async def check(self, ctx: Context) -> None:
        """Note the route."""
        self.seen.append(ctx.route.key if ctx.route is not None else "(none)")

    async def aclose(self) -> None:
        """Nothing held."""


class _PostsOnly(_Counting):
    """A stage that says, per route, it only has work on POST operations."""

    def needed(self, route: Route | None) -> bool:
        """Only POST operations."""
        return route is not None and route.method == "POST"


async def test_a_stage_is_called_only_on_routes_it_has_work_on(api: Api, tmp_path: Path) -> None:
    """The per-route plan skips a stage that says it has nothing to do; others run everywhere."""
    guard = Guard(echo_app, policy=quiet_policy(tmp_path), api=api)
    selective, everywhere = _PostsOnly(), _Counting()
    guard.stages = (*guard.stages, selective, everywhere)  # setting the stages re-plans
    transport = httpx.ASGITransport(app=guard, client=("203.0.113.9", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://guarded") as http:
        assert (await http.get("/items/7")).status_code == 200
        created = await http.post("/items", json={"name": "pen", "price": 1.5})
        assert created.status_code in {200, 201}
    await guard.aclose()
    assert selective.seen == ["POST /items"]
    assert everywhere.seen == ["GET /items/{item_id}", "POST /items"]
