"""The stage contract: what a stage is, what its builder gets, what stages hand each other.

A request stage has ``async def check(self, ctx: Context) -> None`` (raise
:class:`~apiward.guard.problem.Refusal` to refuse) and ``async def aclose(self)``
(release connections at shutdown). It is built once at start-up by a builder
``build(setup: Setup) -> Stage | None`` (None = switched off by the policy), where it
compiles whatever it needs per route, so ``check`` only looks things up. What one
stage offers another travels as a typed field of :class:`Setup` (``bans``), never as
a lookup by name. A stage may also say, once per route at start-up, whether it has
anything to do there (:class:`Selective`); the guard then never calls it on routes
where it has not, and calls a stage without ``needed`` everywhere.

An app stage works around the app instead, where a request check cannot: a time
budget on the answer, or an answer replaced. Its builder
``build(setup: Setup, app: ASGIApp) -> ASGIApp | None`` returns the app wrapped (or
None when switched off); the wrapper finds the request's Context at
``scope["apiward"]`` and refuses by raising Refusal, like a request stage. This module imports no stage, so every stage can import it and the
pipeline (pipeline.py) can import every stage: imports run one way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from apiward.guard.context import ASGIApp, Context
    from apiward.guard.policy import Policy
    from apiward.guard.routes import Route, RouteTable
    from apiward.spec import Api


class Stage(Protocol):
    """One request check: refuse by raising Refusal, or return to let the request on."""

    async def check(self, ctx: Context) -> None:
        """Inspect (and possibly annotate) the request."""

    async def aclose(self) -> None:
        """Release what the stage holds open (connections); called once at shutdown."""


class Selective(Protocol):
    """A stage that can tell, from the route alone, that ``check`` would do nothing there."""

    def needed(self, route: Route | None) -> bool:
        """Whether ``check`` has work on ``route`` (None: a path outside the contract)."""


def needed(stage: Stage, route: Route | None) -> bool:
    """Whether the guard calls ``stage`` on ``route``: unless the stage says it has no work."""
    ask = getattr(stage, "needed", None)
    return True if ask is None else bool(ask(route))


class Banning(Protocol):
    """What alert rules need of the rate-limit stage."""

    async def ban(self, who: str, seconds: int) -> None:
        """Refuse ``who`` for ``seconds``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Setup:
    """What a stage builder gets: the policy, the contract, the route table, earlier stages."""

    policy: Policy
    api: Api
    routes: RouteTable
    bans: Banning | None = None
    """The rate-limit stage, once built: the audit stage's alert rules ban through it."""


Builder = Callable[[Setup], "Stage | None"]

AppBuilder = Callable[[Setup, "ASGIApp"], "ASGIApp | None"]
