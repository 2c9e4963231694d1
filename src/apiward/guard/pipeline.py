"""The fixed pipeline: which stages exist, in which order, and how each is built.

A request stage is any object with ``async def check(self, ctx: Context) -> None``
that raises :class:`~apiward.guard.problem.Refusal` to refuse. It is built once at
start-up by a builder ``build(setup: Setup) -> stage | None`` (None = switched off
by the policy), where it compiles whatever it needs per route, so ``check`` only
looks things up. Adding a stage is one module plus one line in :data:`REQUEST_STAGES`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from apiward.core.registry import Registry

if TYPE_CHECKING:
    from apiward.guard.context import Context
    from apiward.guard.policy import Policy
    from apiward.guard.routes import RouteTable
    from apiward.spec import Api


class Stage(Protocol):
    """One request check: refuse by raising Refusal, or return to let the request on."""

    async def check(self, ctx: Context) -> None:
        """Inspect (and possibly annotate) the request."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Setup:
    """What a stage builder gets: the policy, the contract, the route table, earlier stages."""

    policy: Policy
    api: Api
    routes: RouteTable
    built: Mapping[str, object] = field(default_factory=dict)


Builder = Callable[[Setup], "Stage | None"]


def _builders() -> tuple[tuple[str, Builder], ...]:
    # Imported here so that policy.py can ask which stages exist without an import cycle.
    from apiward.guard import authz, ratelimit, ssrf, transport
    from apiward.guard import validate as validation
    from apiward.guard.authn import stage as authn

    return (
        ("transport", transport.build),
        ("authentication", authn.build),
        ("authorization", authz.build),
        ("ratelimit", ratelimit.build),
        ("validate", validation.build),
        ("ssrf", ssrf.build),
    )


def request_stages() -> Registry[Builder]:
    """The request stages in pipeline order, as a registry of builders."""
    return Registry("guard stage", _builders())


def build_stages(policy: Policy, api: Api, routes: RouteTable) -> dict[str, Stage]:
    """Build every stage the policy switches on, in order."""
    built: dict[str, Stage] = {}
    registry = request_stages()
    for name, builder in zip(registry.names(), registry, strict=True):
        stage = builder(Setup(policy=policy, api=api, routes=routes, built=dict(built)))
        if stage is not None:
            built[name] = stage
    return built
