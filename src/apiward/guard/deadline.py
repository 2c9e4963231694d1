"""App stage: a time budget per operation; an answer not done within it becomes a 504.

An input the contract allows can still take the app a long time: a backtracking
regex on a long string (ReDoS), an unbounded query. The budget caps what one request
may cost: when it runs out the app's task is cancelled and the client gets a
``deadline.exceeded`` problem document (504), which the audit log records as a
refusal. An answer that has already started cannot be replaced: it is cut off, and
the audit event still names the rule. Cancelling works on anything that awaits (the
gateway's upstream call, an async app); code that holds the event loop without
awaiting (a regex in this process) cannot be interrupted, so an app with such code
belongs behind the gateway, in a process of its own, or under the string-length cap
(``validate.max_string_length``). Off by default.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from apiward.core.errors import ConfigError
from apiward.guard.context import ASGIApp, Context, Receive, Scope, Send
from apiward.guard.problem import Refusal, Rule
from apiward.guard.stage import Setup


def build(setup: Setup, app: ASGIApp) -> ASGIApp | None:
    """``app`` under its time budgets, or None when the policy switches the stage off."""
    policy = setup.policy.deadline
    if not policy.enabled:
        return None
    known = {route.key for route in setup.routes.routes}
    for key in policy.operations:
        if key not in known:
            raise ConfigError(
                f"{key!r} is not an operation of the API",
                pointer="/deadline/operations/" + key.replace("~", "~0").replace("/", "~1"),
            )
    return Deadline(app, policy.operations, policy.seconds)


class Deadline:
    """The app, cancelled when a request's answer outlasts its operation's budget."""

    def __init__(self, app: ASGIApp, budgets: Mapping[str, float], default: float) -> None:
        self.app = app
        self.budgets = dict(budgets)
        self.default = default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app within the request's budget; Refusal (504) when it runs out."""
        ctx: Context | None = scope.get("apiward")
        if scope["type"] != "http" or ctx is None:
            await self.app(scope, receive, send)
            return
        route = ctx.route
        seconds = self.budgets.get(route.key, self.default) if route else self.default
        budget = asyncio.timeout(seconds)
        try:
            async with budget:
                await self.app(scope, receive, send)
        except TimeoutError:
            if not budget.expired():
                raise  # the app's own TimeoutError, not the budget's
            ctx.decisions["deadline"] = {"seconds": seconds}
            raise Refusal(Rule.DEADLINE_EXCEEDED, f"no answer within {seconds:g} s") from None
