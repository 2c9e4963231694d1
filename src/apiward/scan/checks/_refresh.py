"""A refresh token replayed after its session logged out: does it still mint access tokens?

A login that answers ``{"accessToken": ..., "refreshToken": ...}`` hands out two credentials.
A logout that revokes the first and forgets the second leaves the account to whoever copied
the refresh token (the Hono trial's: its access token was short-lived, its refresh token
stayed valid after ``POST /auth/logout``). The contract's *refresh* is a POST named
``refresh`` whose body takes the refresh token (a field named so, or its only field); it is
sent without any other credential, as a thief would.
"""

from __future__ import annotations

from typing import Any

from apiward.scan.context import Context
from apiward.scan.envelope import single
from apiward.scan.provision import TOKENS
from apiward.scan.request import Request, Where
from apiward.scan.sessions import Credentials
from apiward.scan.transport import Reply
from apiward.spec import Operation

_REFRESH = ("refresh_token", "refreshToken")


async def after_logout(ctx: Context, fresh: Credentials) -> Reply | None:
    """The refresh's 2xx answer with a new access token for ``fresh``'s logged-out refresh
    token, or None (no refresh token, no refresh in the contract, or refused)."""
    token = _field(fresh.login.data if fresh.login is not None else None, _REFRESH)
    found = _refresher(ctx)
    if token is None or found is None:
        return None
    operation, name = found
    ctx.sessions.secrets.add(token)
    request = ctx.request(operation).with_param(Where.BODY, name, token)
    reply = await ctx.send(request, as_=None, note="the logged-out session's refresh token")
    return reply if reply.ok and _field(reply.data, TOKENS) is not None else None


def own_tokens(ctx: Context, logout: Operation, fresh: Credentials, request: Request) -> Request:
    """``request`` (the logout) with ``fresh``'s own tokens in the body fields that take one.

    An RFC 7009 revocation (``POST /oauth/revoke`` with ``token=…``) revokes the token its
    body names: the aiohttp trial's, sent a synthesised value, revoked nothing, answered 200
    ("also when the token was unknown"), and the session still read: a false finding.
    """
    schema, _ = ctx.synthesizer.body_schema(logout)
    login = fresh.login.data if fresh.login is not None else None
    bearer = next((v for k, v in fresh.headers if k.lower() == "authorization"), "")
    access = _field(login, TOKENS) or bearer.partition(" ")[2] or None
    for name in (str(n) for n in (schema or {}).get("properties", {})):
        said = name.lower().replace("_", "")
        token = _field(login, _REFRESH) if "refresh" in said else access
        if said in {"token", "accesstoken", "refreshtoken"} and token is not None:
            ctx.sessions.secrets.add(token)  # redacted in the report like any credential
            request = request.with_param(Where.BODY, name, token)
    return request


def _refresher(ctx: Context) -> tuple[Operation, str] | None:
    """The contract's token refresh, and the body field that takes the refresh token."""
    for op in ctx.api.operations:
        said = f"{op.path} {op.operation_id or ''}".lower()
        if op.method != "POST" or "refresh" not in said or op.key in ctx.out_of_scope:
            continue
        schema, _ = ctx.synthesizer.body_schema(op)
        names = [str(n) for n in (schema or {}).get("properties", {})]
        name = next((n for n in names if "refresh" in n.lower()), None)
        if name is None and len(names) == 1:
            name = names[0]
        if name is not None:
            return op, name
    return None


def _field(data: Any, names: tuple[str, ...]) -> str | None:
    """The first of ``names`` holding a string, at the top or inside an envelope."""
    for body in (data, single(data)):
        if isinstance(body, dict):
            found = next((body[n] for n in names if isinstance(body.get(n), str)), None)
            if found:
                return str(found)
    return None
