"""Shared objects a higher identity makes and a lower one changes (``bfla`` without hints).

A *catalogue* item (a dish on a public menu, a product, a plan) is made by a higher role
and read by everyone; a lower role must not change it. Nothing in the contract needs to
say so: the probe shows it by effect, on an object the scan itself made.

For a PUT/PATCH/DELETE on an item path (``/menu/{slug}/``) whose collection has a POST:

1. the highest-ranked identity that may create one makes a fresh item (the ledger
   records it; the restore phase deletes it as its creator — nothing seeded is touched);
2. each lower identity (lowest first) must read that item — it is *shared*, not a record
   of the creator's own (that would be ``bola``'s business);
3. **write**: the creator changes one field (its legitimate answer, read back), then the
   lower identity changes it again; the creator's read shows the lower identity's value.
   **delete**: the lower identity deletes it; the creator's read answers 404/410.

Never under ``--safe`` (``bfla`` skips every write there); a DELETE is only ever sent on
an id the ledger says the scan made.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from apiward.core.findings import Confidence, Finding, Severity
from apiward.scan import _objects
from apiward.scan.checks._readback import (
    changed_value,
    changes,
    fields,
    json_object,
    object_schema,
    response_schema,
    same_value,
)
from apiward.scan.context import CheckInfo, Context
from apiward.scan.identities import Identity
from apiward.scan.request import CHANGES, Request, Where
from apiward.scan.transport import Reply
from apiward.spec import Operation

MAX_FIELDS = 4
_GONE = frozenset({404, 410})
_SERIAL = itertools.count(1)


@dataclass(frozen=True, slots=True, kw_only=True)
class Made:
    """An item the scan created as ``creator`` to be attacked."""

    creator: Identity
    created: Reply
    item: Request
    """GET on the item's own path."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Effect:
    """What a lower identity did to the creator's item, with its evidence (attack second)."""

    low: Identity
    high: Identity
    evidence: tuple[Reply, ...]
    what: str
    key: str


def applies(ctx: Context, op: Operation) -> bool:
    """True for a write or delete on an item path whose collection creates items."""
    return op.method in CHANGES and _create(ctx, op) is not None


async def probe(ctx: Context, op: Operation, rank: dict[str, int]) -> Effect | None:
    """The first lower identity that changes or deletes an item a higher one made."""
    made = await _make(ctx, op, rank)
    if made is None:
        return None
    lows = sorted(
        (i for i in ctx.identities if rank[i.name] < rank[made.creator.name]),
        key=lambda i: rank[i.name],
    )
    for low in lows:
        shared = await ctx.send(made.item, as_=low, note=f"{low.name} reads the shared item")
        if json_object(shared) is None:
            continue
        effect = await (_delete if op.method == "DELETE" else _write)(ctx, op, made, low)
        if effect is not None:
            return effect
    return None


def report(ctx: Context, check: CheckInfo, op: Operation, effect: Effect) -> Finding:
    """The finding for ``effect``: high, confirmed by the creator's own read-back."""
    low, high = effect.low, effect.high
    return ctx.finding(
        check,
        op,
        title=(
            f"{low.name} ({low.role or 'no role'}) can {op.method} items "
            f"{high.name} ({high.role or 'no role'}) makes for everyone"
        ),
        severity=Severity.HIGH,
        confidence=Confidence.CONFIRMED,
        detail=(
            f"{op.key} acts on items that {high.name}, ranked above {low.name}, creates and "
            f"every identity reads. On an item the scan made as {high.name}, {low.name} "
            f"{effect.what}. The item is deleted by the restore phase."
        ),
        evidence=effect.evidence,
        proof=effect.evidence[1],
        key=effect.key,
    )


def _create(ctx: Context, op: Operation) -> tuple[Operation, str] | None:
    head, _, last = op.path.rstrip("/").rpartition("/")
    if not (last.startswith("{") and last.endswith("}")):
        return None
    for collection in (head, f"{head}/"):
        create = ctx.api.operation("POST", collection)
        if create is not None and not create.is_public:
            return create, last[1:-1]
    return None


async def _make(ctx: Context, op: Operation, rank: dict[str, int]) -> Made | None:
    found = _create(ctx, op)
    if found is None:
        return None
    create, name = found
    lowest = min(rank.values())
    for creator in sorted(ctx.identities, key=lambda i: -rank[i.name]):
        if rank[creator.name] == lowest:
            return None
        request = _fresh(ctx, ctx.baseline(create, creator))
        reply = await ctx.send(request, as_=creator, note=f"{creator.name} makes an item to attack")
        new = _objects.new_id(ctx.api, request, reply.data, reply.header("location"))
        if reply.ok and new is not None and ctx.ledger.made(new):
            params = {**request.path_params, name: new}
            path = _item_path(ctx, op)
            item = Request(method="GET", path=path, operation=f"GET {path}", path_params=params)
            return Made(creator=creator, created=reply, item=item)
    return None


def _item_path(ctx: Context, op: Operation) -> str:
    read = ctx.api.operation("GET", op.path)
    return read.path if read is not None else op.path


def _fresh(ctx: Context, request: Request) -> Request:
    """The creation with free-text fields made unique (no clash with a seeded item's name)."""
    if not isinstance(request.body, dict):
        return request
    serial = next(_SERIAL)
    for name, value in request.body.items():
        if isinstance(value, str) and not _constrained(ctx, request, name):
            request = request.with_param(Where.BODY, name, f"apiward-bfla-{serial}")
    return request


def _constrained(ctx: Context, request: Request, name: str) -> bool:
    op = ctx.api.operation(request.method, request.path)
    body = op.request_body.content if op is not None and op.request_body else {}
    schemas = object_schema(ctx, next(iter(body.values()), None))
    schema = schemas.get(name, {})
    return any(k in schema for k in ("enum", "format", "pattern")) or "mail" in name.lower()


def _target(ctx: Context, op: Operation, made: Made) -> Request:
    request = ctx.request(op)
    for name, value in made.item.path_params.items():
        request = request.with_param(Where.PATH, name, value)
    return request


async def _delete(ctx: Context, op: Operation, made: Made, low: Identity) -> Effect | None:
    request = _target(ctx, op, made)
    if not all(ctx.ledger.made(v) for v in list(request.path_params.values())[-1:]):
        return None  # never delete what the scan did not make
    attack = await ctx.send(request, as_=low, note=f"{low.name} deletes {made.creator.name}'s item")
    after = await ctx.send(made.item, as_=made.creator, note="read back after the delete")
    if not attack.ok or after.status not in _GONE:
        return None
    what = (
        f"deleted an item {made.creator.name} created and {low.name} may only read; "
        f"{made.creator.name}'s read now answers {after.status}"
    )
    evidence = (made.created, attack, after)
    return Effect(low=low, high=made.creator, evidence=evidence, what=what, key="delete")


async def _write(ctx: Context, op: Operation, made: Made, low: Identity) -> Effect | None:
    base = _target(ctx, op, made)
    current = json_object(await ctx.send(made.item, as_=made.creator, note="the item as made"))
    if current is None or not isinstance(base.body, dict):
        return None
    schemas = object_schema(ctx, response_schema(ctx.api.operation("GET", made.item.path) or op))
    shown = fields(current)
    for name in [n for n in base.body if n in shown and shown[n] is not None][:MAX_FIELDS]:
        legit = await _set(ctx, base, made, made.creator, name, _other(name, schemas, shown[name]))
        if legit is None:
            continue
        value = _other(name, schemas, legit[1])
        if not changes(value):
            continue
        attack, after, seen = await _set_raw(ctx, base, made, low, name, value)
        if attack.ok and seen is not None and same_value(seen, value):
            what = (
                f"changed {name} of an item {made.creator.name} created from {legit[1]!r} to "
                f"{value!r}, as {made.creator.name}'s read shows"
            )
            evidence = (legit[0], attack, after)
            return Effect(
                low=low, high=made.creator, evidence=evidence, what=what, key=f"body:{name}"
            )
    return None


def _other(name: str, schemas: dict[str, Any] | Any, current: Any) -> Any:
    value = changed_value(name, schemas.get(name, {}), current)
    if changes(value):
        return value
    return f"apiward-bfla-{next(_SERIAL)}" if isinstance(current, str) else value


async def _set(
    ctx: Context, base: Request, made: Made, who: Identity, name: str, value: Any
) -> tuple[Reply, Any] | None:
    """``who`` sets ``name`` to ``value``; the reply and the value read back, if it took."""
    if not changes(value):
        return None
    reply, _, seen = await _set_raw(ctx, base, made, who, name, value)
    return (reply, seen) if reply.ok and seen is not None and same_value(seen, value) else None


async def _set_raw(
    ctx: Context, base: Request, made: Made, who: Identity, name: str, value: Any
) -> tuple[Reply, Reply, Any]:
    note = f"{who.name} sets {name} of {made.creator.name}'s item"
    reply = await ctx.send(base.with_param(Where.BODY, name, value), as_=who, note=note)
    after = await ctx.send(made.item, as_=made.creator, note=f"read {name} back")
    data = json_object(after)
    return reply, after, fields(data).get(name) if data is not None else None
