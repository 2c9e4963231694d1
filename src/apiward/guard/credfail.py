"""App stage: every failed credential exchange gets the same answer, against user enumeration.

A login that answers "no such user" one way and "wrong password" another (a 404
and a 401, two messages, a header only one of them sets) tells a guesser which
usernames exist. For each operation that exchanges credentials (exchanges.py, the
same detection the rate-limit policy's ``credential_exchange`` uses, plus the
policy's ``operations``), an app answer whose status is one of ``statuses`` is
held back, its status, headers and body dropped, and the client gets one
``authn.invalid-credentials`` problem document (401) instead: same status, same
body shape, same headers, whatever the app said. The audit event records the
refusal and the app's own status (``extra.authentication``), which the client never sees.
Timing is not evened out: an app that answers faster for unknown users still
differs in time. Off by default.
"""

from __future__ import annotations

from apiward.core.errors import ConfigError
from apiward.guard.context import ASGIApp, Context, Message, Receive, Scope, Send
from apiward.guard.exchanges import credential_exchanges
from apiward.guard.problem import Refusal, Rule
from apiward.guard.stage import Setup


def build(setup: Setup, app: ASGIApp) -> ASGIApp | None:
    """``app`` with uniform credential failures, or None when the policy switches it off."""
    policy = setup.policy.credential_failures
    if not policy.enabled:
        return None
    known = {route.key for route in setup.routes.routes}
    for index, key in enumerate(policy.operations):
        if key not in known:
            raise ConfigError(
                f"{key!r} is not an operation of the API",
                pointer=f"/credential_failures/operations/{index}",
            )
    keys = {op.key for op in credential_exchanges(setup.api)} | set(policy.operations)
    return CredentialFailures(app, frozenset(keys), frozenset(policy.statuses))


class CredentialFailures:
    """The app, with failed answers of credential exchanges replaced by one refusal."""

    def __init__(self, app: ASGIApp, keys: frozenset[str], statuses: frozenset[int]) -> None:
        self.app = app
        self.keys = keys
        self.statuses = statuses

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the answer on, unless it is a failure of a credential exchange."""
        ctx: Context | None = scope.get("apiward")
        route = ctx.route if ctx is not None else None
        if scope["type"] != "http" or ctx is None or route is None or route.key not in self.keys:
            await self.app(scope, receive, send)
            return
        failed: int | None = None

        async def hold(message: Message) -> None:
            nonlocal failed
            if message["type"] == "http.response.start" and message["status"] in self.statuses:
                failed = message["status"]
            if failed is None:
                await send(message)

        await self.app(scope, receive, hold)
        if failed is not None:
            ctx.auth_failure = f"the app answered {failed}"  # the operator's record only
            raise Refusal(Rule.AUTHN_INVALID, "the credentials were not accepted")
