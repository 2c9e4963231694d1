"""Throwaway users through a sign-up operation, for ``mass_assignment``'s sign-up probes.

A sign-up is a public POST whose body carries a password; a throwaway user gets fresh
values in every required string field (``scan.values.Fresh``: e-mail, names... must be
unique) and logs in through an identity's login with its own credentials filled in.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from apiward.core.errors import ConfigError
from apiward.scan.checks._readback import Seen, read_back, send_as, with_field
from apiward.scan.context import Context
from apiward.scan.fields import PASSWORD
from apiward.scan.identities import Login
from apiward.scan.request import Request
from apiward.scan.transport import Reply
from apiward.spec import Operation, Schema


async def register(
    ctx: Context,
    op: Operation,
    properties: Mapping[str, Schema],
    login: Login,
    setting: tuple[str, Any] | None,
) -> tuple[Reply, Seen] | None:
    """Register a throwaway user (with one field set), log in as it, read its record."""
    request = _fresh(ctx, op, properties)
    if setting is not None:
        request = with_field(request, *setting)
    note = f"sign-up with {setting[0]}" if setting else "control: a plain sign-up"
    reply = await send_as(ctx, request, None, note)
    if not reply.ok:
        return None
    try:
        who = await ctx.sessions.log_in(_filled(login, request), name="apiward sign-up")
    except ConfigError:
        return None
    seen = await read_back(ctx, op, request, who)
    return (reply, seen) if seen is not None else None


def is_sign_up(op: Operation, properties: Mapping[str, Schema]) -> bool:
    """A public POST whose body carries a password: an operation that creates a user."""
    public = op.is_public or op.auth_optional
    secret = any(PASSWORD.search(n) or s.get("format") == "password" for n, s in properties.items())
    return op.method == "POST" and public and secret


def login_template(ctx: Context, writable: set[str]) -> Login | None:
    """An identity's login whose credential fields the sign-up body also carries."""
    for identity in ctx.identities:
        login = identity.login
        if login is not None and any(PASSWORD.search(k) and k in writable for k in login.body):
            return login
    return None


def _filled(login: Login, request: Request) -> Login:
    body = dict(request.body) if isinstance(request.body, dict) else {}
    fields = {k: body.get(k, v) for k, v in login.body.items()}
    return Login(
        method=login.method,
        path=login.path,
        body=fields,
        form=login.form,
        token=login.token,
        header=login.header,
        prefix=login.prefix,
    )


def _fresh(ctx: Context, op: Operation, properties: Mapping[str, Schema]) -> Request:
    """A sign-up with only the required fields, each string one fresh (names, e-mail...)."""
    request = ctx.request(op)
    body = dict(request.body) if isinstance(request.body, dict) else {}
    schema, _ = ctx.synthesizer.body_schema(op)
    required = set((schema or {}).get("required", ())) or set(body)
    fresh: dict[str, Any] = {}
    for name in sorted(required & set(body)):
        fresh[name] = _unique(ctx, name, properties.get(name, {}), body[name])
        if PASSWORD.search(name):
            ctx.sessions.secrets.add(str(body[name]))
    return dataclasses.replace(request, body=fresh)


def _unique(ctx: Context, name: str, schema: Schema, value: Any) -> Any:
    """A fresh value for a plain string field: a sign-up's names may have to be unique."""
    if not isinstance(value, str) or PASSWORD.search(name) or "enum" in schema:
        return value
    if schema.get("format") not in {None, "email", "idn-email"}:
        return value
    fresh = ctx.synthesizer.fresh.value(name, schema)
    return value if fresh is None else fresh
