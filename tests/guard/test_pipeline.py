"""The stage contract: every stage can be closed, and stages hand each other typed things."""

from __future__ import annotations

import inspect

from apiward.guard import Policy, RateLimitPolicy
from apiward.guard.pipeline import build_stages
from apiward.guard.ratelimit import RateLimit
from apiward.guard.routes import RouteTable
from apiward.spec import Api


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
