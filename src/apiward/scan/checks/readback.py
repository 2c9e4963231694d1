"""Reading an object back after a write, and values that differ from the current one.

Shared by the checks whose oracle is *the change persisted* (``mass_assignment``,
``bfla``): a write is only evidence when a later read shows the value the scanner
chose, and that value must differ from what was there before.

*Readers* of a written object, in order: ``GET`` on the same path (same path values);
then a *me-like* read — a secured ``GET`` without path or required query parameters
whose answer is one object (``/me``, ``/profile``) — used only when every path value
of the write appears in that object (the write was on the caller's own record).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from apiward.scan.context import Context
from apiward.scan.identities import Identity
from apiward.scan.request import Request, Where
from apiward.scan.sessions import Credentials
from apiward.scan.transport import Reply
from apiward.scan.withhold import PRIVILEGED as PRIVILEGED  # mass_assignment reads it here
from apiward.spec import Operation, ParameterLocation, Schema

Caller = Identity | Credentials
"""Who sends: an identity of the file, or credentials of a user a check created."""

_HIGH_VALUE = re.compile(r"admin|root|super|owner|staff|premium|enterprise", re.IGNORECASE)
_NEVER = re.compile(
    r"(^|[_-])(id|uuid|guid|ref|key|code|slug|username|handle|email|password|hash|token|"
    r"secret|salt)$|^id$|[a-z](Id|Uuid|Ref|Key|Code|Hash|Token)$|_at$|At$|password|hash",
    re.IGNORECASE,
)
_NO_CHANGE = object()


async def send_as(ctx: Context, request: Request, who: Caller | None, note: str) -> Reply:
    """Send ``request`` as an identity, as created credentials, or anonymously (None)."""
    if isinstance(who, Credentials):
        return await ctx.send(who.apply(request), as_=None, note=note)
    return await ctx.send(request, as_=who, note=note)


def json_object(reply: Reply | None) -> dict[str, Any] | None:
    """The reply's body when it is one JSON object."""
    data = reply.data if reply is not None and reply.ok else None
    return data if isinstance(data, dict) else None


def object_schema(ctx: Context, schema: Schema | None) -> Mapping[str, Schema]:
    """The properties of an object schema (``allOf`` parts merged), dereferenced."""
    if not schema:
        return {}
    schema = ctx.api.deref(schema)
    found: dict[str, Schema] = {}
    for part in schema.get("allOf", ()):
        found.update(object_schema(ctx, part))
    for name, sub in schema.get("properties", {}).items():
        found[name] = ctx.api.deref(sub)
    return found


def response_schema(operation: Operation) -> Schema | None:
    """The JSON schema of the first documented 2xx answer."""
    for status, response in sorted(operation.responses.items()):
        if status.startswith("2"):
            for media, schema in response.content.items():
                if "json" in media:
                    return schema
    return None


def me_like(ctx: Context) -> list[Operation]:
    """Secured GETs without path or required query parameters that answer one object."""
    found = []
    for op in ctx.api.operations:
        if op.method != "GET" or op.is_public or "{" in op.path:
            continue
        if any(p.required and p.location is ParameterLocation.QUERY for p in op.parameters):
            continue
        schema = ctx.api.deref(response_schema(op) or {})
        if schema.get("type") == "object" or "properties" in schema or "allOf" in schema:
            found.append(op)
    return sorted(found, key=lambda op: (-len(object_schema(ctx, response_schema(op))), op.path))


def readers(ctx: Context, operation: Operation) -> list[Operation]:
    """Operations that may show the object ``operation`` writes, best first."""
    same = ctx.api.operation("GET", operation.path)
    return ([same] if same is not None else []) + me_like(ctx)


@dataclass(frozen=True, slots=True, kw_only=True)
class Seen:
    """An object as a reader showed it."""

    reader: Operation
    reply: Reply
    data: dict[str, Any]


def lock(ctx: Context, who: Caller) -> asyncio.Lock:
    """One lock per scan and caller: probes that change a caller's record never overlap."""
    locks = _LOCKS.setdefault(ctx, {})
    return locks.setdefault(who.name if isinstance(who, Identity) else id(who), asyncio.Lock())


_LOCKS: WeakKeyDictionary[Context, dict[str | int, asyncio.Lock]] = WeakKeyDictionary()


async def read_back(
    ctx: Context, operation: Operation, written: Request, who: Caller
) -> Seen | None:
    """The object ``written`` changed, as ``who`` reads it now (None when nothing shows it)."""
    for reader in readers(ctx, operation):
        request = ctx.request(reader)
        if isinstance(who, Identity):
            request = ctx.baseline(reader, who)
        same_path = reader.path == operation.path
        for name, value in written.path_params.items() if same_path else ():
            request = request.with_param(Where.PATH, name, value)
        reply = await send_as(ctx, request, who, f"read back after {operation.key}")
        data = json_object(reply)
        if data is None:
            continue
        if same_path or _mentions(data, written.path_params.values()):
            return Seen(reader=reader, reply=reply, data=data)
    return None


def _mentions(data: Mapping[str, Any], values: Iterable[str]) -> bool:
    shown = {str(v) for v in data.values() if isinstance(v, str | int) and not isinstance(v, bool)}
    return all(str(v) in shown for v in values)


def candidate_fields(data: Mapping[str, Any], writable: Iterable[str]) -> list[str]:
    """Fields of ``data`` the request may not set, privileged-sounding ones first."""
    allowed = set(writable)
    names = [n for n in data if n not in allowed and not _NEVER.search(n)]
    return sorted(names, key=lambda n: (not PRIVILEGED.search(n), names.index(n)))


def changed_value(name: str, schema: Schema, current: Any) -> Any:
    """A type-correct value unlike ``current``: a higher role, a flipped flag, a raised number."""
    schema = _concrete(schema)
    enum = [v for v in schema.get("enum", ()) if v is not None and v != current]
    if enum:
        return next((v for v in enum if isinstance(v, str) and _HIGH_VALUE.search(v)), enum[-1])
    kind = schema.get("type")
    if kind == "boolean" or isinstance(current, bool):
        return not current if isinstance(current, bool) else True
    if kind in {"integer", "number"} or isinstance(current, int | float):
        return _raised(schema, current)
    if PRIVILEGED.search(name) and current != "admin" and kind in {None, "string"}:
        return "admin"
    return _NO_CHANGE


def changes(value: Any) -> bool:
    """False when ``changed_value`` found nothing to change to."""
    return value is not _NO_CHANGE


def same_value(a: Any, b: Any) -> bool:
    """Equal, counting ``1000`` and ``1000.0`` as the same number."""
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (a, b))
    return float(a) == float(b) if numbers else bool(a == b)


def _concrete(schema: Schema) -> Schema:
    for key in ("anyOf", "oneOf"):
        options = [o for o in schema.get(key, ()) if o.get("type") != "null"]
        if options:
            return dict(options[0])
    return schema


def _raised(schema: Schema, current: Any) -> Any:
    base = current if isinstance(current, int | float) and not isinstance(current, bool) else 0
    value = max(base * 10, base + 1000)
    high = schema.get("maximum")
    if isinstance(high, int | float) and value > high:
        value = high
    if value == base:
        return _NO_CHANGE
    integer = schema.get("type") == "integer" or isinstance(current, int)
    return int(value) if integer else float(value)
