"""``mass_assignment`` (API3, write side): properties the request may not set, set and kept.

For every POST/PUT/PATCH with a JSON or form body, the candidates are the properties of
the written object as a reader shows it (``scan.checks.readback``) that the request
schema does not offer as writable (absent, or ``readOnly``) — ``role``, ``is_admin``,
``balance``, ``transfer_limit``... — privileged-sounding names first, at most
``MAX_FIELDS``. Identifiers, secrets and timestamps are never candidates.

* **Updates** (PUT/PATCH): as each identity in turn, read its object, send the
  legitimate update with the object's *current* values (a no-op control that must
  succeed), then the same plus one candidate set to a value unlike the current one
  (a higher enum value, a flipped flag, a raised number); read back. The old value is
  restored afterwards (and the finding says whether that worked).
* **Sign-ups** (a public POST whose body carries a password and whose fields fill an
  identity's login): register a throwaway user with fresh values, log in as it and read
  its record (the control); then one more throwaway per candidate.

Only a value read back equal to the one sent, and unlike the one before, is a finding
(high for privileged names, confirmed): accepted but not visible is not evidence.
"""

from __future__ import annotations

import dataclasses
import re
import secrets
from collections.abc import AsyncIterator, Mapping
from typing import Any

from apiward.core.errors import ConfigError
from apiward.core.findings import Confidence, Severity
from apiward.scan.check import Outcome, Skip, SkipReason
from apiward.scan.checks.readback import (
    PRIVILEGED,
    Caller,
    Seen,
    candidate_fields,
    changed_value,
    changes,
    lock,
    object_schema,
    read_back,
    response_schema,
    same_value,
    send_as,
)
from apiward.scan.context import Context
from apiward.scan.identities import Identity, Login
from apiward.scan.request import BodyKind, Request, Where
from apiward.scan.transport import Reply
from apiward.spec import Operation, Schema

MAX_FIELDS = 6
_WRITES = {"POST", "PUT", "PATCH"}
_PASSWORD = re.compile(r"pass(word)?|secret|pin$", re.IGNORECASE)
_EMAIL = re.compile(r"e?mail", re.IGNORECASE)


class MassAssignment:
    """Privileged or read-only properties accepted by a write and persisted."""

    id = "mass_assignment"
    title = "Mass assignment: a property the request may not set is accepted and persisted"
    owasp = "API3:2023"
    cwe = "CWE-915"
    safe = True  # writes only the scanning identities' own records (restored) and throwaway users
    remediation = (
        "Bind request bodies to an explicit allow-list of writable fields (a dedicated "
        "input model per operation); never copy a request body onto the stored object. "
        "Reject unknown properties (additionalProperties: false) rather than ignoring them."
    )

    async def run(self, ctx: Context, operation: Operation) -> AsyncIterator[Outcome]:
        """Try each candidate property on ``operation`` and read it back."""
        schema, _ = ctx.synthesizer.body_schema(operation)
        if operation.method not in _WRITES or schema is None:
            yield Skip(reason=SkipReason.NOT_APPLICABLE, detail="no JSON or form body to extend")
            return
        properties = object_schema(ctx, schema)
        writable = {n for n, s in properties.items() if not s.get("readOnly")}
        if operation.key in _logins(ctx):
            stream = _skip("an identity's login operation")
        elif _is_sign_up(operation, properties):
            stream = self._sign_up(ctx, operation, properties, writable)
        elif operation.method == "POST":
            stream = _skip("reading back other creations is not implemented")
        elif not ctx.identities:
            stream = _skip("", SkipReason.NO_IDENTITIES)
        else:
            stream = self._update(ctx, operation, writable)
        async for outcome in stream:
            yield outcome

    async def _update(
        self, ctx: Context, op: Operation, writable: set[str]
    ) -> AsyncIterator[Outcome]:
        for identity in ctx.identities:
            async with lock(ctx, identity):
                tested = await self._update_as(ctx, op, writable, identity)
            if tested is not None:
                for outcome in tested:
                    yield outcome
                return
        yield Skip(reason=SkipReason.NO_ACCESS, detail="no identity could update and read back")

    async def _update_as(
        self, ctx: Context, op: Operation, writable: set[str], identity: Identity
    ) -> list[Outcome] | None:
        base = ctx.baseline(op, identity)
        seen = await read_back(ctx, op, base, identity)
        if seen is None:
            return None
        body = _current(base, seen.data, writable)
        control = await send_as(ctx, body, identity, "control: the update with current values")
        if not control.ok:
            return None
        found: list[Outcome] = []
        for name, value in _candidates(ctx, op, seen, writable):
            attack = await send_as(
                ctx, _set(body, name, value), identity, f"mass assignment: {name}"
            )
            after = await read_back(ctx, op, base, identity) if attack.ok else None
            if after is not None and _persisted(seen, after, name, value):
                restored = await _restore(ctx, op, body, base, identity, name, seen.data[name])
                found.append(self._finding(ctx, op, name, value, seen, attack, after, restored))
        return found

    async def _sign_up(
        self,
        ctx: Context,
        op: Operation,
        properties: Mapping[str, Schema],
        writable: set[str],
    ) -> AsyncIterator[Outcome]:
        login = _login_template(ctx, writable)
        if login is None:
            yield Skip(reason=SkipReason.NOT_APPLICABLE, detail="no login that fits a sign-up")
            return
        control = await self._register(ctx, op, properties, login, None)
        if control is None:
            yield Skip(reason=SkipReason.NO_ACCESS, detail="a plain sign-up could not be read back")
            return
        for name, value in _candidates(ctx, op, control[1], writable):
            attempt = await self._register(ctx, op, properties, login, (name, value))
            if attempt is not None and _persisted(control[1], attempt[1], name, value):
                yield self._finding(ctx, op, name, value, control[1], *attempt, restored=None)

    async def _register(
        self,
        ctx: Context,
        op: Operation,
        properties: Mapping[str, Schema],
        login: Login,
        extra: tuple[str, Any] | None,
    ) -> tuple[Reply, Seen] | None:
        request = _fresh(ctx, op, properties)
        if extra is not None:
            request = _set(request, *extra)
        note = f"sign-up with {extra[0]}" if extra else "control: a plain sign-up"
        reply = await send_as(ctx, request, None, note)
        if not reply.ok:
            return None
        try:
            who = await ctx.sessions.log_in(_filled(login, request), name="apiward sign-up")
        except ConfigError:
            return None
        seen = await read_back(ctx, op, request, who)
        return (reply, seen) if seen is not None else None

    def _finding(
        self,
        ctx: Context,
        op: Operation,
        name: str,
        value: Any,
        before: Seen,
        attack: Reply,
        after: Seen,
        restored: bool | None,
    ) -> Outcome:
        privileged = bool(PRIVILEGED.search(name))
        restore = {True: " It was restored.", False: " Restoring it FAILED.", None: ""}
        return ctx.finding(
            self,
            op,
            title=f"{op.key} accepts and keeps {name}, which its request may not set",
            severity=Severity.HIGH if privileged else Severity.MEDIUM,
            confidence=Confidence.CONFIRMED,
            detail=(
                f"{name} is not a writable property of the request schema, yet sending "
                f"{name}={value!r} changed it from {before.data.get(name)!r}: "
                f"{after.reader.key} shows the new value.{restore[restored]}"
            ),
            evidence=[before.reply, attack, after.reply],
            key=f"body:{name}",
        )


async def _skip(
    detail: str, reason: SkipReason = SkipReason.NOT_APPLICABLE
) -> AsyncIterator[Outcome]:
    yield Skip(reason=reason, detail=detail)


def _candidates(
    ctx: Context, op: Operation, seen: Seen, writable: set[str]
) -> list[tuple[str, Any]]:
    schemas = {
        **object_schema(ctx, response_schema(op)),
        **object_schema(ctx, response_schema(seen.reader)),
    }
    out = []
    for name in candidate_fields(seen.data, writable):
        value = changed_value(name, schemas.get(name, {}), seen.data[name])
        if changes(value):
            out.append((name, value))
    return out[:MAX_FIELDS]


def _persisted(before: Seen, after: Seen, name: str, value: Any) -> bool:
    if name not in after.data or same_value(before.data.get(name), value):
        return False
    return same_value(after.data[name], value)


async def _restore(
    ctx: Context,
    op: Operation,
    body: Request,
    base: Request,
    who: Caller,
    name: str,
    old: Any,
) -> bool:
    await send_as(ctx, _set(body, name, old), who, f"restore {name}")
    seen = await read_back(ctx, op, base, who)
    return seen is not None and same_value(seen.data.get(name), old)


def _set(request: Request, name: str, value: Any) -> Request:
    if request.body_kind is BodyKind.FORM:
        value = str(value).lower() if isinstance(value, bool) else str(value)
    return request.with_param(Where.BODY, name, value)


def _current(base: Request, data: Mapping[str, Any], writable: set[str]) -> Request:
    """``base`` with every writable field the object shows set to its current value."""
    if not isinstance(base.body, dict):
        return base
    for name in base.body:
        value = data.get(name)
        if name in writable and isinstance(value, str | int | float) and value is not None:
            base = _set(base, name, value)
    return base


def _is_sign_up(op: Operation, properties: Mapping[str, Schema]) -> bool:
    public = op.is_public or op.auth_optional
    secret = any(
        _PASSWORD.search(n) or s.get("format") == "password" for n, s in properties.items()
    )
    return op.method == "POST" and public and secret


def _logins(ctx: Context) -> set[str]:
    return {f"{i.login.method} {i.login.path}" for i in ctx.identities if i.login is not None}


def _login_template(ctx: Context, writable: set[str]) -> Login | None:
    """An identity's login whose credential fields the sign-up body also carries."""
    for identity in ctx.identities:
        login = identity.login
        if login is not None and any(_PASSWORD.search(k) and k in writable for k in login.body):
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
    """A sign-up with only the required fields, and fresh values where they must be unique."""
    request = ctx.request(op)
    body = dict(request.body) if isinstance(request.body, dict) else {}
    schema, _ = ctx.synthesizer.body_schema(op)
    required = set((schema or {}).get("required", ())) or set(body)
    fresh: dict[str, Any] = {}
    for name in sorted(required & set(body)):
        fresh[name] = _unique(name, properties.get(name, {}), body[name])
        if _PASSWORD.search(name):
            ctx.sessions.secrets.add(str(body[name]))
    return dataclasses.replace(request, body=fresh)


def _unique(name: str, schema: Schema, value: Any) -> Any:
    """A fresh value for a string field that may have to be unique (names, e-mail)."""
    if not isinstance(value, str) or _PASSWORD.search(name) or "enum" in schema:
        return value
    token = secrets.token_hex(4)
    if schema.get("format") == "email" or _EMAIL.search(name):
        candidate = f"aw{token}@example.com"
    else:
        candidate = f"aw{token}"
    low, high = int(schema.get("minLength", 0)), int(schema.get("maxLength", 1 << 16))
    pattern = schema.get("pattern")
    if not low <= len(candidate) <= high:
        return value
    if isinstance(pattern, str) and not _matches(pattern, candidate):
        return value
    return candidate


def _matches(pattern: str, text: str) -> bool:
    try:
        return re.search(pattern, text) is not None
    except re.error:
        return False
