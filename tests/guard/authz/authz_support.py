"""Build the authorization stage on the test contract and run it on hand-made Contexts.

Until a request's identity comes from the authentication stage, tests set
``principal``, ``claims``, ``roles`` and ``scopes`` on the Context directly.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from apiward.guard.authz import Authorization, build
from apiward.guard.context import Context, Message
from apiward.guard.policy import AuthorizationPolicy, Policy
from apiward.guard.problem import Refusal
from apiward.guard.routes import RouteTable
from apiward.guard.stage import Setup
from apiward.spec import Api, load

CONTRACT = Path(__file__).parent / "contract.yaml"


@cache
def api() -> Api:
    """The authorization test contract, loaded once."""
    return load(CONTRACT)


def stage(policy: AuthorizationPolicy) -> Authorization:
    """The authorization stage compiled for ``policy`` on the test contract."""
    contract = api()
    setup = Setup(
        policy=Policy(authorization=policy), api=contract, routes=RouteTable.from_api(contract)
    )
    built = build(setup)
    if built is None:
        raise AssertionError("the stage was switched off")
    return built


def request(
    method: str,
    path: str,
    *,
    principal: str | None = "alice",
    claims: Mapping[str, Any] | None = None,
    roles: Iterable[str] = (),
    scopes: Iterable[str] = (),
    query: bytes = b"",
    headers: Iterable[tuple[bytes, bytes]] = (),
    body: Any = None,
    content_type: bytes = b"application/json",
) -> Context:
    """A routed Context for one request, as authentication would have left it."""
    raw = b"" if body is None else body if isinstance(body, bytes) else json.dumps(body).encode()
    sent = [*headers, *([(b"content-type", content_type)] if raw else [])]
    scope = {"type": "http", "method": method, "path": path, "query_string": query, "headers": sent}

    async def receive() -> Message:
        return {"type": "http.request", "body": raw, "more_body": False}

    ctx = Context(scope, receive)
    ctx.match = RouteTable.from_api(api()).match(method, path)
    ctx.principal = principal
    ctx.claims = dict(claims if claims is not None else {"sub": principal} if principal else {})
    ctx.roles = frozenset(roles)
    ctx.scopes = frozenset(scopes)
    return ctx


async def refusal(authz: Authorization, ctx: Context) -> Refusal | None:
    """The refusal the stage raises for ``ctx``, or None when it lets the request on."""
    try:
        await authz.check(ctx)
    except Refusal as refused:
        return refused
    return None
