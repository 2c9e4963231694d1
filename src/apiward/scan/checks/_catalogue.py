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

For the POST that creates into the collection (``POST /menu/``): steps 1 and 2, and the
item the higher identity made must not name who made it (no ``owner``/``author``/
``user``… field, no field holding its creator's ids or name): a post or an order is
its maker's own, and anyone makes theirs. Then **create**: the lower identity creates an
item; the creator's read of the new id shows it. The new item is deleted at once (as
its maker, else as the creator); with no DELETE for the items, the creation is only
tried under ``--aggressive``, and the target state lists the item as left.

How much a change or delete weighs is ``scan.checks._collaborators``' business.

Never under ``--safe`` (``bfla`` skips every write there); a DELETE is only ever sent on
an id the ledger says the scan made.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from typing import Any

from apiward.core.findings import Confidence, Finding, Severity
from apiward.scan import _objects
from apiward.scan._findings import CheckInfo
from apiward.scan.checks._answers import GONE
from apiward.scan.checks._privilege import granted, role_named
from apiward.scan.checks._readback import (
    changed_value,
    changes,
    fields,
    json_object,
    object_schema,
    same_value,
)
from apiward.scan.checks._recipients import own_values
from apiward.scan.context import Context
from apiward.scan.fields import is_identifier, tokens
from apiward.scan.identities import Identity
from apiward.scan.request import CHANGES, Request, Where
from apiward.scan.transport import Reply
from apiward.spec import Operation

MAX_FIELDS = 4
_SERIAL = itertools.count(1)
_OWNER = {"owner", "author", "user", "creator", "customer", "member", "poster", "seller"}
_OWNER |= {"submitter", "uploader", "by", "username"}
"""Words of a field that names who made a record (``author``, ``created_by``, ``user_id``)."""


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
    public: bool = False
    """An anonymous read showed the item before the lower identity acted on it."""


def applies(ctx: Context, op: Operation) -> bool:
    """True for a write or delete on an item path whose collection creates items, or the creation."""
    if op.method == "POST":
        return _item_read(ctx, op) is not None
    return op.method in CHANGES and creation_of(ctx, op) is not None


def unremovable(ctx: Context, op: Operation) -> str | None:
    """Why a lower identity's creation on ``op`` is not tried (None: it may be).

    What it would create must go again: without a DELETE for the items, only under
    ``--aggressive`` (the target state then lists the item as left).
    """
    read = _item_read(ctx, op)
    if op.method != "POST" or read is None or ctx.ledger.aggressive:
        return None
    if ctx.api.operation("DELETE", read.path) is None:
        return (
            f"a lower identity's creation through {op.key} is not tried: the contract has no "
            f"DELETE {read.path} to remove it (--aggressive tries it and leaves the item)"
        )
    return None


async def probe(ctx: Context, op: Operation, rank: dict[str, int]) -> Effect | None:
    """The first lower identity that changes, deletes or creates an item a higher one made."""
    if op.method == "POST":
        return await _creation(ctx, op, rank)
    made = await _make(ctx, op, rank)
    if made is None:
        return None
    public: bool | None = None
    for low in _lows(ctx, op, rank, made.creator):
        shared = await ctx.send(made.item, as_=low, note=f"{low.name} reads the shared item")
        if json_object(shared) is None:
            continue
        if public is None:  # before any change: a delete leaves nothing to read
            seen = await ctx.send(made.item, as_=None, note="anonymous reads the item")
            public = json_object(seen) is not None
        effect = await (_delete if op.method == "DELETE" else _write)(ctx, op, made, low)
        if effect is not None:
            return replace(effect, public=public)
    return None


def _lows(ctx: Context, op: Operation, rank: dict[str, int], creator: Identity) -> list[Identity]:
    """Identities ranked below ``creator``, lowest first, but a role the contract gives ``op``
    to in words ("Dispatchers and admins only." to a dispatcher)."""
    lows = [i for i in ctx.identities if rank[i.name] < rank[creator.name]]
    return sorted((i for i in lows if not granted(op, i.role)), key=lambda i: rank[i.name])


def report(
    ctx: Context,
    check: CheckInfo,
    op: Operation,
    effect: Effect,
    grade: tuple[tuple[Severity, Confidence], str] | None = None,
) -> Finding:
    """The finding for ``effect``, confirmed by the creator's own read-back, as ``_collaborators.weigh`` grades it."""
    low, high = effect.low, effect.high
    (severity, confidence), why = grade or ((Severity.HIGH, Confidence.CONFIRMED), "")
    return ctx.finding(
        check,
        op,
        title=(
            f"{low.name} ({low.role or 'no role'}) can {op.method} items "
            f"{high.name} ({high.role or 'no role'}) makes for everyone"
        ),
        severity=severity,
        confidence=confidence,
        detail=(
            f"{op.key} acts on items that {high.name}, ranked above {low.name}, creates and "
            f"every identity reads. On an item the scan made as {high.name}, {low.name} "
            f"{effect.what}. {why}The item is deleted by the restore phase."
        ),
        evidence=effect.evidence,
        proof=effect.evidence[1],
        key=effect.key,
    )


def _item_read(ctx: Context, op: Operation) -> Operation | None:
    """The GET of one item of collection ``op`` creates into (``/menu/`` → ``/menu/{slug}/``)."""
    if op.method != "POST" or op.is_public or "{" in op.path.rstrip("/").rsplit("/", 1)[-1]:
        return None
    for read in ctx.api.operations:
        found = creation_of(ctx, read) if read.method == "GET" else None
        if found is not None and found[0].key == op.key:
            return read
    return None


async def _creation(ctx: Context, op: Operation, rank: dict[str, int]) -> Effect | None:
    """A lower identity creates an item in a catalogue only higher ones fill (see module doc)."""
    read = _item_read(ctx, op)
    made = await _make(ctx, read, rank) if read is not None else None
    if read is None or made is None:
        return None
    mine = json_object(await ctx.send(made.item, as_=made.creator, note="the item as made"))
    if mine is None or _owned(ctx, made.creator, mine):
        return None  # a record of its creator's own (a post, an order): anyone makes theirs
    for low in _lows(ctx, op, rank, made.creator):
        shared = await ctx.send(made.item, as_=low, note=f"{low.name} reads the shared item")
        # Not read by low, the item may be the higher one's own record, unless the contract
        # keeps the creation from low's role in words ("Dispatchers and admins only."): the
        # Go trial's customers onboarded drivers they could not read.
        readable = json_object(shared) is not None
        if not readable and not await role_named(ctx, op, low):
            continue
        effect = await _create_as(ctx, op, read, made, low, mine, readable=readable)
        if effect is not None:
            return effect
    return None


async def _create_as(
    ctx: Context,
    op: Operation,
    read: Operation,
    made: Made,
    low: Identity,
    mine: dict[str, Any],
    *,
    readable: bool,
) -> Effect | None:
    request = fresh(ctx, ctx.baseline(op, low))
    attack = await ctx.send(
        request, as_=low, note=f"{low.name} adds to {made.creator.name}'s items"
    )
    new = _objects.new_id(ctx.api, request, attack.data, attack.header("location"))
    if not attack.ok or new is None or not ctx.ledger.made(new):
        return None
    param = read.path.rstrip("/").rsplit("/", 1)[-1][1:-1]
    item = made.item.with_param(Where.PATH, param, new)
    after = await ctx.send(item, as_=made.creator, note="read the new item back")
    await remove(ctx, read, item, (low, made.creator))
    theirs = json_object(after)
    if theirs is None or _maker_shown(request, mine, theirs):
        return None
    may = "may only read them" if readable else "may not even read them"
    what = (
        f"created an item where {made.creator.name} makes them and {low.name} {may}; "
        f"{made.creator.name}'s read shows it ({after.status})"
    )
    evidence = (made.created, attack, after)
    return Effect(low=low, high=made.creator, evidence=evidence, what=what, key="create")


async def remove(ctx: Context, read: Operation, item: Request, who: tuple[Identity, ...]) -> None:
    """Delete the item the lower identity made, as it, else as the creator of the catalogue."""
    delete = ctx.api.operation("DELETE", read.path)
    if delete is None:
        return  # --aggressive: the target state lists it as left
    request = ctx.request(delete)
    for name, value in item.path_params.items():
        request = request.with_param(Where.PATH, name, value)
    for identity in who:
        reply = await ctx.send(request, as_=identity, note="remove the item a probe made")
        if reply.ok or reply.status in GONE:
            return


def _maker_shown(request: Request, one: dict[str, Any], other: dict[str, Any]) -> bool:
    """True when two identities' items differ in a field neither sent: it names the maker.

    The items' own keys (``id``, ``slug``) and timestamps differ anyway and say nothing.
    """
    sent = set(fields(request.body)) if isinstance(request.body, dict) else set()
    mine, theirs = fields(one), fields(other)
    for name in (set(mine) & set(theirs)) - sent:
        words = tokens(name.rsplit(".", 1)[-1])
        own_key = words in (["id"], ["uuid"], ["slug"], ["pk"]) or not words
        when = bool(set(words) & {"at", "date", "time", "created", "updated", "modified"})
        if not own_key and not when and mine[name] != theirs[name]:
            return True
    return False


def _owned(ctx: Context, creator: Identity, item: dict[str, Any]) -> bool:
    """True when the item names who made it: an owner-like field, or one holding its ids."""
    named = any(set(tokens(name.rsplit(".", 1)[-1])) & _OWNER for name in fields(item))
    return named or names(ctx, creator, item)


def names(ctx: Context, identity: Identity, item: dict[str, Any]) -> bool:
    """True when a field of ``item`` holds ``identity``'s name or ids (an ``author: alice``).

    Not a value another identity's own records hold too: an ``orgId`` its colleagues share,
    a ``role``, name a tenant or a kind, not the one who made it (the Go trial's drivers,
    each holding its dispatcher's ``orgId``, were taken for the dispatcher's own).
    """
    own = {identity.name, *(str(v) for _, v in ctx.sessions.own_ids(identity))}
    own |= {str(v) for v in ctx.harvest.records.get(identity.name, {}).values()}
    if identity.login is not None:
        own |= {str(v) for k, v in identity.login.body.items() if "pass" not in k.lower()}
    for other in ctx.identities:
        if other.name != identity.name:
            own -= {str(v) for v in own_values(ctx, other).values()}
    for name, value in fields(item).items():
        leaf = name.rsplit(".", 1)[-1]
        # A string of its own, or an id field (not the item's own) holding its id.
        named = isinstance(value, str) and len(value) >= 3
        if (named or (is_identifier(leaf) and leaf != "id")) and str(value) in own:
            return True
    return False


def creation_of(ctx: Context, op: Operation) -> tuple[Operation, str] | None:
    """The POST of the collection an item path belongs to, and the item's path parameter."""
    head, _, last = op.path.rstrip("/").rpartition("/")
    if not (last.startswith("{") and last.endswith("}")):
        return None
    for collection in (head, f"{head}/"):
        create = ctx.api.operation("POST", collection)
        if create is not None and not create.is_public:
            return create, last[1:-1]
    return None


async def _make(ctx: Context, op: Operation, rank: dict[str, int]) -> Made | None:
    found = creation_of(ctx, op)
    if found is None:
        return None
    create, name = found
    lowest = min(rank.values())
    for creator in sorted(ctx.identities, key=lambda i: -rank[i.name]):
        if rank[creator.name] == lowest:
            return None
        request = fresh(ctx, ctx.baseline(create, creator))
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


def fresh(ctx: Context, request: Request) -> Request:
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
    names = list(request.path_params)
    if not names or not ctx.ledger.made_at(request, names[-1]):
        return None  # never delete what the scan did not make
    attack = await ctx.send(request, as_=low, note=f"{low.name} deletes {made.creator.name}'s item")
    after = await ctx.send(made.item, as_=made.creator, note="read back after the delete")
    if not attack.ok or after.status not in GONE:
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
    schemas = object_schema(ctx, (ctx.api.operation("GET", made.item.path) or op).answer_schema())
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
