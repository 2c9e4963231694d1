"""Reading an object back after a write, and values that differ from the current one.

Shared by the checks whose oracle is *the change persisted* (``mass_assignment``,
``bfla``): a write is only evidence when a later read shows the value the scanner
chose, and that value must differ from what was there before.

*Readers* of a written object, in order: ``GET`` on the same path (same path values);
then a *me-like* read — a secured ``GET`` without path or required query parameters
whose answer is one object (``/me``, ``/profile``) — used only when every path value
of the write appears in that object (the write was on the caller's own record).
:func:`look` reads one field back after a write: from a reader, else from the answer to
the no-op update (a write that does not set the field, so the value shown was kept).
Answers are unwrapped from their envelope (``{"data": {"user": {...}}}``, see
``scan.envelope``), and a field inside a nested object is named by its dotted path
(``profile.role``): :func:`fields` flattens an object, :func:`with_field` sets one.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from apiward.scan import envelope
from apiward.scan.context import Context
from apiward.scan.fields import gates_account, is_identifier, is_privileged
from apiward.scan.identities import Identity
from apiward.scan.request import BodyKind, Request, Where
from apiward.scan.sessions import Credentials
from apiward.scan.transport import Reply
from apiward.scan.values import Scalar, probe_value
from apiward.spec import Operation, ParameterLocation, Schema, json_types

Caller = Identity | Credentials
"""Who sends: an identity of the file, or credentials of a user a check created."""

MAX_NESTING = 3
"""Dotted paths go this deep (``user.profile.role``); deeper is rarely a record's own field."""
_NO_CHANGE = object()


async def send_as(ctx: Context, request: Request, who: Caller | None, note: str) -> Reply:
    """Send ``request`` as an identity, as created credentials, or anonymously (None)."""
    if isinstance(who, Credentials):
        return await ctx.send(who.apply(request), as_=None, note=note)
    return await ctx.send(request, as_=who, note=note)


def json_object(reply: Reply | None) -> dict[str, Any] | None:
    """The one JSON object of a 2xx reply, out of any envelope around it."""
    return envelope.single(reply.data) if reply is not None and reply.ok else None


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


def field_schemas(ctx: Context, schema: Schema | None, depth: int = 0) -> dict[str, Schema]:
    """Every property of an object schema by dotted path, nested objects' included."""
    found: dict[str, Schema] = {}
    for name, sub in object_schema(ctx, schema).items():
        found[name] = sub
        if depth + 1 < MAX_NESTING:
            inner = field_schemas(ctx, sub, depth + 1)
            found.update({f"{name}.{path}": s for path, s in inner.items()})
    return found


def fields(data: Mapping[str, Any], depth: int = 0) -> dict[str, Any]:
    """The scalar fields of an object by dotted path (``{"a": {"b": 1}}`` → ``{"a.b": 1}``)."""
    found: dict[str, Any] = {}
    for name, value in data.items():
        if isinstance(value, dict):
            if depth + 1 < MAX_NESTING:
                inner = fields(value, depth + 1)
                found.update({f"{name}.{path}": v for path, v in inner.items()})
        elif not isinstance(value, list):
            found[str(name)] = value
    return found


def with_field(request: Request, path: str, value: Any) -> Request:
    """``request`` with body field ``path`` (dotted: nested objects) set to ``value``."""
    if request.body_kind is BodyKind.FORM:
        text = str(value).lower() if isinstance(value, bool) else str(value)
        return request.with_param(Where.BODY, path, text)
    if "." not in path:
        return request.with_param(Where.BODY, path, value)
    body = copy.deepcopy(request.body) if isinstance(request.body, dict) else {}
    *parents, last = path.split(".")
    node = body
    for part in parents:
        node = node[part] if isinstance(node.get(part), dict) else node.setdefault(part, {})
        if not isinstance(node, dict):
            return request
    node[last] = value
    return dataclasses.replace(request, body=body)


def me_like(ctx: Context) -> list[Operation]:
    """Secured GETs without path or required query parameters that answer one object."""
    found = []
    for op in ctx.probes:
        if op.method != "GET" or op.is_public or "{" in op.path:
            continue
        if any(p.required and p.location is ParameterLocation.QUERY for p in op.parameters):
            continue
        schema = ctx.api.deref(op.answer_schema() or {})
        if "object" in json_types(schema) or "properties" in schema or "allOf" in schema:
            found.append(op)
    return sorted(found, key=lambda op: (-len(object_schema(ctx, op.answer_schema())), op.path))


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
_OPAQUE: WeakKeyDictionary[Context, set[str]] = WeakKeyDictionary()
"""Per scan, the readers that answered 2xx with a body that is not JSON."""


async def read_back(
    ctx: Context, operation: Operation, written: Request, who: Caller
) -> Seen | None:
    """The object ``written`` changed, as ``who`` reads it now (None when nothing shows it).

    A reader that once answered 2xx with a body that is not JSON at all (an image, a
    proxied page) is not asked again: what an endpoint serves does not turn into JSON.
    """
    opaque = _OPAQUE.setdefault(ctx, set())
    for reader in readers(ctx, operation):
        if reader.key in opaque:
            continue
        request = ctx.request(reader)
        if isinstance(who, Identity):
            request = ctx.baseline(reader, who)
        same_path = reader.path == operation.path
        for name, value in written.path_params.items() if same_path else ():
            request = request.with_param(Where.PATH, name, value)
        reply = await send_as(ctx, request, who, f"read back after {operation.key}")
        data = json_object(reply)
        if reply.ok and reply.text.strip() and reply.data is None:
            opaque.add(reader.key)
        if data is None:
            continue
        if same_path or _mentions(data, written.path_params.values()):
            return Seen(reader=reader, reply=reply, data=_lifted(data, written.body))
    return None


def _lifted(data: dict[str, Any], body: Any) -> dict[str, Any]:
    """``data`` as the write names it: a nested object holding most of the body's fields,
    which the body gives at its top, lifted to the top in its place.

    Django Ninja's and DRF's ``GET /me`` nest a profile (``{"profile": {"plan": …}}``)
    that ``PATCH /me`` takes flat (``{"plan": …}``): read as they were, none of the
    fields written showed, and bfla kept only ``is_active`` to probe (the Ninja trial).
    """
    names = set(body) if isinstance(body, dict) else set()
    if not names:
        return data
    at_top = len(names & set(data))
    for key, inner in data.items():
        if not isinstance(inner, dict) or key in names:
            continue
        nested = len(names & set(inner))
        if nested > at_top and 2 * nested >= len(names):
            rest = {k: v for k, v in data.items() if k != key}
            return {**rest, **{k: v for k, v in inner.items() if k not in rest}}
    return data


def _mentions(data: Mapping[str, Any], values: Iterable[str]) -> bool:
    shown = {str(v) for v in data.values() if isinstance(v, str | int) and not isinstance(v, bool)}
    return all(str(v) in shown for v in values)


def without_field(request: Request, path: str) -> Request:
    """``request`` without body field ``path`` (dotted: nested objects)."""
    if not isinstance(request.body, dict):
        return request
    body = copy.deepcopy(request.body)
    *parents, last = path.split(".")
    node: Any = body
    for part in parents:
        node = node.get(part) if isinstance(node, dict) else None
    if isinstance(node, dict):
        node.pop(last, None)
    return dataclasses.replace(request, body=body)


def candidate_fields(data: Mapping[str, Any], writable: Iterable[str]) -> list[str]:
    """Fields of ``data`` (dotted paths) to try setting, privileged ones first.

    A field is a candidate when the request may not set it, or when it is a privilege
    field (``scan.fields``) even if the request may: the contract is not the authority
    on what a user may grant itself. Ids, secrets and timestamps never are, nor a flag
    that lets the account in (``is_active``, ``locked``).
    """
    allowed = set(writable)
    names = [
        n
        for n in fields(data)
        if not any(is_identifier(part) for part in n.split("."))
        and not gates_account(n)  # ``is_active: false`` on one's own record locks one out
        and (n not in allowed or is_privileged(n))
    ]
    return sorted(names, key=lambda n: (not is_privileged(n), names.index(n)))


def privilege_candidates(names: Iterable[str], shown: Mapping[str, Any]) -> list[str]:
    """The privilege fields among ``names``, once each, that a probe can set: no id part, and
    not an object or a list where ``shown`` holds them."""
    return [
        n
        for n in dict.fromkeys(names)
        if is_privileged(n)
        and not any(is_identifier(part) for part in n.split("."))
        and not isinstance(shown.get(n), dict | list)
    ]


def changed_value(name: str, schema: Schema, current: Any, observed: Sequence[Scalar] = ()) -> Any:
    """A value ``name`` can hold unlike ``current`` (``scan.values.probe_value``), or no change."""
    probe = probe_value(name, concrete(schema), current, observed)
    return _NO_CHANGE if probe is None else probe.value


def changes(value: Any) -> bool:
    """False when ``changed_value`` found nothing to change to."""
    return value is not _NO_CHANGE


def same_value(a: Any, b: Any) -> bool:
    """Equal, counting ``1000`` and ``1000.0`` as the same number."""
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (a, b))
    return float(a) == float(b) if numbers else bool(a == b)


def concrete(schema: Schema) -> Schema:
    """The first non-null option of an ``anyOf``/``oneOf`` schema (the schema itself otherwise)."""
    for key in ("anyOf", "oneOf"):
        options = [o for o in schema.get(key, ()) if o.get("type") != "null"]
        if options:
            return dict(options[0])
    return schema


@dataclass(frozen=True, slots=True, kw_only=True)
class Look:
    """A field as an answer showed it after a write."""

    reply: Reply
    where: str
    value: Any


async def look(
    ctx: Context,
    op: Operation,
    base: Request,
    body: Request,
    who: Caller,
    name: str,
    *,
    reader: bool = True,
) -> Look | None:
    """Field ``name`` as a reader shows it now, else as the no-op update's answer shows it.

    ``reader=False``: straight to the no-op update, for a field the readers did not show.
    """
    seen = await read_back(ctx, op, base, who) if reader else None
    if seen is not None and name in fields(seen.data):
        return Look(reply=seen.reply, where=seen.reader.key, value=fields(seen.data)[name])
    reply = await send_as(ctx, body, who, f"read {name} back through the no-op update")
    data = json_object(reply)
    if data is not None and name in fields(data):
        return Look(reply=reply, where=f"the answer to {op.key}", value=fields(data)[name])
    return None
