"""``resource_limits`` (API4): page sizes, batch sizes and body sizes the API does not bound.

* **Page size** (reads): an integer query parameter that sizes a result (``limit``,
  ``page_size``, ``per_page``, ``count``, ``top``…) is sent at the contract's
  ``maximum`` and at ``PAGE_FACTOR`` × that. Honoured means the big page holds *more
  items than the maximum* (or, for bodies that are not lists, a body that grows): a
  refusal (4xx) or the same count as at the maximum (clamping) is fine. When the caller
  has fewer items than the maximum the two cannot be told apart; outside ``--safe`` the
  check then creates the missing items through the collection's own POST (at most
  ``FILL_LIMIT``, the caller's own data) and asks again, unless the big page's answer says
  it served that size (``meta.limit: 1000``, ``checks._page_bounds``). Where it cannot (no
  creation, too many, ``--safe``), up to ``OTHER_LISTINGS`` other listings are asked:
  under another parent the caller lists, or as another identity (its own tenant's rows).
  Medium when the contract's maximum, or the one its description states, is exceeded, or
  when there is none and a huge page grows past the page the API serves by default (the
  ``default`` of the parameter, or the size its answer says it served); low otherwise.
* **Batch size**: a top-level array property of a JSON body is sent with two items, then
  with ``BATCH_FACTOR`` × ``maxItems`` (``BATCH_ITEMS`` when none) distinct items. A 2xx
  whose answer holds one result per item (or grows with the batch) is the finding.
* **Oversized body** (outside ``--safe``): the legitimate write padded with one extra
  property of ``PAD_BYTES`` (env ``APIWARD_PAD_BYTES``) accepted with a 2xx, where a
  sane API answers 413: low (nothing beyond acceptance is shown).

Every write here — the padded body, a batch, the page filler — starts from the identity's
legitimate request (``Context.legit_request``), so it names only the identity's own
objects and sets no privilege field; otherwise it is not sent (a ``withheld`` skip).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import random
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from apiward.core.findings import Confidence, Severity
from apiward.scan.check import Outcome, Skip, SkipReason, held
from apiward.scan.checks._env import count_from_env
from apiward.scan.checks._page_bounds import (
    at_least,
    at_most,
    count,
    describe,
    echoes,
    short,
    stated_maximum,
)
from apiward.scan.context import Context
from apiward.scan.identities import Identity
from apiward.scan.request import WITH_BODY, BodyKind, Request, Where
from apiward.scan.transport import BodyRefusedError, Reply
from apiward.scan.withhold import Withheld
from apiward.spec import Operation, ParameterLocation, Schema, json_types

PAGE_FACTOR = 10
PAGE_FLOOR = 1000
FILL_LIMIT = 150
OTHER_LISTINGS = 4
"""Other parents or identities asked for a page beyond the bound before items are made."""
BATCH_FACTOR = 10
BATCH_ITEMS = 1000
PAD_BYTES = count_from_env("APIWARD_PAD_BYTES", 2 * 1024 * 1024)
PAD_FIELD = "apiward_padding"
GROWTH = 2.0
_SIZE = re.compile(
    r"^\$?(limit|size|count|max|top|first|last|take|per_?page|page_?size|page_?limit|"
    r"max_?results|max_?items|results_?per_?page|batch_?size|num|n|"
    r"page\[(size|limit)\]|page\.(size|limit))$",  # JSON:API's page[size], page.size; $limit, $top
    re.IGNORECASE,
)


class ResourceLimits:
    """Page, batch and body sizes the API honours beyond any sane bound."""

    id = "resource_limits"
    title = "Unrestricted resource consumption"
    owasp = "API4:2023"
    cwe = "CWE-770"
    safe = True  # creating own items to fill a page and padded writes are skipped under --safe
    remediation = (
        "Bound every size the client chooses: refuse (400/422) or clamp page sizes above "
        "the documented maximum, refuse arrays above maxItems, and cap request bodies "
        "(413) before parsing them."
    )

    async def run(self, ctx: Context, operation: Operation) -> AsyncIterator[Outcome]:
        """Probe the operation's page-size parameters, body arrays and body size."""
        sizes = _size_params(ctx, operation) if operation.method == "GET" else []
        arrays = _arrays(ctx, operation)
        padded = operation.method in WITH_BODY and _json_object_body(ctx, operation)
        if not (sizes or arrays or padded):
            yield Skip(reason=SkipReason.NOT_APPLICABLE, detail="no size parameter or body")
            return
        caller = await _caller(ctx, operation)
        if caller is None:
            yield Skip(reason=SkipReason.NO_ACCESS, detail=ctx.legit_answers(operation))
            return
        outcomes = [await self._page(ctx, operation, caller, size) for size in sizes]
        outcomes += [await self._batch(ctx, operation, caller, n, s) for n, s in arrays]
        if padded:
            outcomes.append(await self._oversized(ctx, operation, caller))
        for outcome in outcomes:
            if outcome is not None:
                yield outcome

    async def _page(
        self, ctx: Context, op: Operation, caller: Caller, size: Size
    ) -> Outcome | None:
        name, maximum = size.name, _maximum(size.schema)
        stated = maximum is None and size.stated is not None
        maximum = size.stated if stated else maximum
        reference = maximum if maximum is not None else _default(size.schema)
        bounded = reference is not None  # a maximum, or a default page the API serves
        big = max(PAGE_FACTOR * (reference or 0), PAGE_FLOOR)
        bounds = (reference, big, maximum or 0)
        caller, at, huge = await _widest(ctx, op, caller, size, reference, big)
        # Fewer items than the bound, and the answer says it served the big page: honoured.
        last = name.rsplit(".", 1)[-1]
        echoed = huge.ok and echoes(huge.data, last, big) and not at_least(huge, maximum)
        # Exactly `maximum` items cannot tell a page that honours the big size from one that
        # clamps it: one more item of the caller's own is needed, as when fewer exist.
        if maximum is not None and at_most(huge, maximum) and not echoed:
            filled = await _fill(ctx, op, caller, maximum + 1 - (count(at) or 0))
            # Where the caller cannot fill a page itself, a listing of others may be full.
            fuller = None if filled is None else await _fuller(ctx, op, caller, size, bounds)
            if fuller is not None:
                caller, at, huge = fuller
            elif filled is not None:
                return filled
            else:
                at, huge = await _pages(ctx, caller, size, reference, big)
        if not at.ok:
            return Skip(reason=SkipReason.NOT_APPLICABLE, detail=f"{name}={reference} refused")
        if not huge.ok:
            return None  # refused: bounded
        grown, confirmed = _grew(at, huge, maximum)
        grown = grown or echoed
        if not grown:
            if maximum is not None and short(at, maximum):
                why = f"{name}: fewer items than {maximum}, cannot tell honoured from clamped"
                return Skip(reason=SkipReason.NOT_APPLICABLE, detail=why)
            return None  # refused or clamped: bounded
        bound = "no maximum"
        if maximum is not None:
            bound = (
                f"the maximum {maximum} its description states"
                if stated
                else f"the contract's maximum {maximum}"
            )
        served = f" and says it served {last}={big}" if echoed else ""
        return ctx.finding(
            self,
            op,
            title=f"Page size {name}={big} is honoured ({bound})",
            # Beyond a stated bound, or with none at all past the API's own page (its
            # default, or what it says it served): four trials planted this, called low.
            severity=Severity.MEDIUM if bounded or echoed else Severity.LOW,
            confidence=Confidence.CONFIRMED if confirmed else Confidence.FIRM,
            detail=(
                f"With {name}={reference} the answer holds {describe(at)}; with {name}={big} "
                f"it holds {describe(huge)}{served}: the API serves pages beyond {bound} instead of "
                "refusing or clamping them, so one request can pull a whole collection."
            ),
            evidence=[at, huge],
            key=f"query:{name}",
        )

    async def _batch(
        self, ctx: Context, op: Operation, caller: Caller, name: str, schema: Schema
    ) -> Outcome | None:
        max_items = schema.get("maxItems") if isinstance(schema.get("maxItems"), int) else None
        n = _batch_size(max_items)
        if ctx.safe and _creates(caller.legit):
            return Skip(reason=SkipReason.UNSAFE, detail=f"a batch of {n} {name} would create data")
        items = _distinct(ctx, caller.request, name, schema, n)
        control = await _send(ctx, caller, caller.request.with_param(Where.BODY, name, items[:2]))
        if not control.ok:
            return Skip(reason=SkipReason.NOT_APPLICABLE, detail=f"two {name} were refused")
        attack = await _send(ctx, caller, caller.request.with_param(Where.BODY, name, items))
        processed, confirmed = _processed(control, attack, n)
        if not attack.ok or not processed:
            return None
        bound = f"maxItems {max_items}" if max_items is not None else "no maxItems"
        return ctx.finding(
            self,
            op,
            title=f"A batch of {n} {name} is processed ({bound})",
            severity=Severity.MEDIUM if max_items is not None else Severity.LOW,
            confidence=Confidence.CONFIRMED if confirmed else Confidence.FIRM,
            detail=(
                f"Two {name} got {describe(control)}; {n} got {attack.status} with "
                f"{describe(attack)}: every item was processed in one request, beyond "
                f"{bound}, so one call costs the API {n}× the work."
            ),
            evidence=[control, attack],
            key=f"body:{name}",
        )

    async def _oversized(self, ctx: Context, op: Operation, caller: Caller) -> Outcome | None:
        if ctx.safe:
            return Skip(reason=SkipReason.UNSAFE, detail="padded write (it repeats the write)")
        body = caller.request.body
        if not isinstance(body, dict):
            return None
        padded = dataclasses.replace(caller.request, body={**body, PAD_FIELD: "x" * PAD_BYTES})
        try:
            reply = await _send(ctx, caller, padded, note=f"body padded to {PAD_BYTES} bytes")
        except BodyRefusedError:
            return None  # closed on the big body: bounded
        if not reply.ok:
            return None
        return ctx.finding(
            self,
            op,
            title=f"A {PAD_BYTES // 1024} KiB body is accepted",
            severity=Severity.LOW,
            confidence=Confidence.FIRM,
            detail=(
                f"The legitimate request padded with one {PAD_BYTES}-byte property got "
                f"{reply.status} instead of 413: the API reads and parses bodies of any size."
            ),
            evidence=[caller.legit, reply],
            key="body:size",
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Caller:
    """Who gets a 2xx from the operation's legitimate request (None: anonymous)."""

    identity: Identity | None
    request: Request
    legit: Reply


async def _caller(ctx: Context, op: Operation) -> Caller | None:
    for identity in await ctx.probers(op):
        reply = await ctx.legit(op, identity)
        if reply.ok:
            request = ctx.legit_request(op, identity)
            return Caller(identity=identity, request=request, legit=reply)
    if op.is_public or op.auth_optional:
        request = ctx.request(op)
        reply = await ctx.send(request, as_=None, note="baseline: anonymous")
        if reply.ok:
            return Caller(identity=None, request=request, legit=reply)
    return None


async def _send(ctx: Context, caller: Caller, request: Request, note: str = "") -> Reply:
    return await ctx.send(request, as_=caller.identity, note=note or "resource_limits probe")


async def _pages(
    ctx: Context, caller: Caller, size: Size, reference: int | None, big: int
) -> tuple[Reply, Reply]:
    base, name = caller.request, size.name
    at = size.sent(base, reference) if reference is not None else base
    first = await _send(ctx, caller, at, note=f"{name} at the contract's bound")
    huge = await _send(ctx, caller, size.sent(base, big), note=f"{name}={big}")
    return first, huge


async def _widest(
    ctx: Context, op: Operation, caller: Caller, size: Size, reference: int | None, big: int
) -> tuple[Caller, Reply, Reply]:
    """The pages asked of the listing without the optional filters the harvest filled in
    (``?clubId=1``), when it answers so; else of the legitimate request as it is.

    A filter narrows the listing to a few items, so no page of it is ever full (the Express
    trial's member directory, filtered by a club of four). Required parameters stay.
    """
    optional = {
        p.name for p in op.parameters if p.location is ParameterLocation.QUERY and not p.required
    }
    keep = size.name.split(".", 1)[0]
    query = tuple((k, v) for k, v in caller.request.query if k not in optional or k == keep)
    if query != caller.request.query:
        wide = dataclasses.replace(caller, request=dataclasses.replace(caller.request, query=query))
        at, huge = await _pages(ctx, wide, size, reference, big)
        if at.ok:
            return wide, at, huge
    at, huge = await _pages(ctx, caller, size, reference, big)
    return caller, at, huge


async def _fuller(
    ctx: Context, op: Operation, caller: Caller, size: Size, bounds: tuple[int | None, int, int]
) -> tuple[Caller, Reply, Reply] | None:
    """A listing whose big page holds more than the bound, when ``caller``'s cannot: under
    another parent the caller lists itself, or as another identity (each may see its own
    tenant's rows). At most ``OTHER_LISTINGS`` are asked.

    The Fastify trial's audit log was asked under each identity's workspace the scan had
    made, whose few events never filled a page of 100, while acme's log held 151.
    """
    reference, big, maximum = bounds
    for other in (await _other_listings(ctx, op, caller))[:OTHER_LISTINGS]:
        other, at, huge = await _widest(ctx, op, other, size, reference, big)
        if at.ok and huge.ok and not at_most(huge, maximum):
            return other, at, huge
    return None


async def _other_listings(ctx: Context, op: Operation, caller: Caller) -> list[Caller]:
    """The caller's request under each other parent it lists itself, then other identities'."""
    found: list[Caller] = []
    if caller.identity is not None:
        for slot in ctx.harvest.slots(op):
            if slot.where is not Where.PATH:
                continue
            now = caller.request.path_params.get(slot.name)
            for seen in ctx.harvest.seen(caller.identity, op, slot):
                listed = ctx.harvest.lists.has(caller.identity.name, seen.kind, seen.value)
                if listed and str(seen.value) != now:
                    request = caller.request.with_param(Where.PATH, slot.name, seen.value)
                    found.append(dataclasses.replace(caller, request=request))
    for identity in await ctx.probers(op):
        if identity == caller.identity:
            continue
        try:
            legit, request = await ctx.legit(op, identity), ctx.legit_request(op, identity)
        except Withheld:
            continue
        if legit.ok:
            found.append(Caller(identity=identity, request=request, legit=legit))
    return found


async def _fill(ctx: Context, op: Operation, caller: Caller, need: int) -> Skip | None:
    """Create ``need`` items of the caller's own so a page can exceed the maximum."""
    creator = next((o for o in ctx.probes if o.path == op.path and o.method == "POST"), None)
    if creator is None or caller.identity is None or need > FILL_LIMIT:
        why = f"fewer items than the maximum and no way to create {need} more"
        return Skip(reason=SkipReason.NOT_APPLICABLE, detail=why)
    if ctx.safe:
        return Skip(reason=SkipReason.UNSAFE, detail=f"{need} items to create to fill a page")
    note = "creating own items to fill a page"
    try:
        request = ctx.legit_request(creator, caller.identity)
        for name, value in caller.request.path_params.items():  # the listing's own board
            request = request.with_param(Where.PATH, name, value)
        first = await ctx.send(request, as_=caller.identity, note=note)
    except Withheld as withheld:  # the creation would stay: a listing of others may do
        return held(withheld)
    if not first.ok:
        return Skip(
            reason=SkipReason.NOT_APPLICABLE, detail=f"{creator.key} answered {first.status}"
        )
    await asyncio.gather(
        *(ctx.send(request, as_=caller.identity, note=note) for _ in range(need - 1))
    )
    return None


def _grew(at: Reply, huge: Reply, maximum: int | None) -> tuple[bool, bool]:
    """Whether the big page holds more than the bound, and whether items were counted."""
    small, large = count(at), count(huge)
    if small is not None and large is not None:
        floor = maximum if maximum is not None else max(small, PAGE_FLOOR // 10)
        return large > floor and large > small, True
    return len(huge.text) > GROWTH * max(len(at.text), 1), False


def _processed(control: Reply, attack: Reply, n: int) -> tuple[bool, bool]:
    """Whether every item of the batch was processed, and whether results were counted."""
    results = count(attack)
    if results is not None and count(control) is not None:
        return results >= n, True
    # One result per item grows the body about n/2 times; a clamped batch grows far less.
    return len(attack.text) >= 0.5 * (n / 2) * max(len(control.text), 1), False


def _creates(reply: Reply) -> bool:
    return reply.status == 201 or reply.header("location") is not None


def _maximum(schema: Schema) -> int | None:
    high = schema.get("maximum")
    if isinstance(high, int | float) and not isinstance(high, bool):
        return int(high)
    exclusive = schema.get("exclusiveMaximum")
    if isinstance(exclusive, int | float) and not isinstance(exclusive, bool):
        return int(exclusive) - 1
    return None


def _default(schema: Schema) -> int | None:
    value = schema.get("default")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _batch_size(max_items: int | None) -> int:
    if max_items is None:
        return BATCH_ITEMS
    return min(BATCH_FACTOR * max_items, max(BATCH_ITEMS, max_items + 1))


@dataclass(frozen=True, slots=True, kw_only=True)
class Size:
    """A page size the query takes: a parameter (``limit``), or a property of one JSON
    ``content`` parameter (LoopBack's ``filter={"limit": 10}``, named ``filter.limit``)."""

    name: str
    schema: Schema
    holder: str | None = None
    stated: int | None = None
    """The bound its description states ("Page size (max 100)"), where the schema has none."""

    def sent(self, request: Request, value: int) -> Request:
        """``request`` asking for pages of ``value``, the rest of a JSON holder kept."""
        if self.holder is None:
            return request.with_param(Where.QUERY, self.name, value)
        try:
            document = json.loads(request.value(Where.QUERY, self.holder) or "{}")
        except ValueError:
            document = {}
        field = self.name.removeprefix(f"{self.holder}.")
        merged = {**(document if isinstance(document, dict) else {}), field: value}
        return request.with_param(Where.QUERY, self.holder, json.dumps(merged))


def _size_params(ctx: Context, op: Operation) -> list[Size]:
    found = []
    for param in op.parameters:
        if param.location is not ParameterLocation.QUERY:
            continue
        schema = ctx.api.deref(param.schema)
        if param.media and "json" in param.media:
            properties = schema.get("properties")
            for field, inner in properties.items() if isinstance(properties, dict) else ():
                inner = ctx.api.deref(inner)
                if _SIZE.match(field) and _numeric(inner):
                    found.append(
                        Size(name=f"{param.name}.{field}", schema=inner, holder=param.name)
                    )
        elif _SIZE.match(param.name) and _numeric(schema):
            stated = stated_maximum(param.description, str(schema.get("description", "")))
            found.append(Size(name=param.name, schema=schema, stated=stated))
    return found


def _numeric(schema: Schema) -> bool:
    return bool(json_types(schema) & {"integer", "number"}) or "maximum" in schema


def _arrays(ctx: Context, op: Operation) -> list[tuple[str, Schema]]:
    schema, kind = ctx.synthesizer.body_schema(op)
    if schema is None or kind is not BodyKind.JSON:
        return []
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return []
    derefed = ((name, ctx.api.deref(s)) for name, s in properties.items())
    return [(name, s) for name, s in derefed if "array" in json_types(s) or "items" in s]


def _json_object_body(ctx: Context, op: Operation) -> bool:
    schema, kind = ctx.synthesizer.body_schema(op)
    return (
        schema is not None and kind is BodyKind.JSON and not json_types(schema) - {"object", "null"}
    )


def _distinct(ctx: Context, base: Request, name: str, schema: Schema, n: int) -> list[Any]:
    """``n`` distinct items shaped like the legitimate request's (or the schema's) items."""
    items = ctx.api.deref(schema.get("items") or {})
    given = base.value(Where.BODY, name)
    seeds = list(given) if isinstance(given, list) and given else []
    if not seeds:
        seeds = [ctx.synthesizer.value(items, random.Random(name), name=name)]  # noqa: S311
    return [_vary(seeds[i % len(seeds)], i, items) for i in range(n)]


def _vary(value: Any, i: int, items: Schema) -> Any:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return value
    if isinstance(value, int):
        return value + i
    if items.get("format") == "uuid":
        return str(uuid.UUID(int=i + 1, version=4))
    suffix = str(i)
    limit = items.get("maxLength")
    head = value[: max(0, limit - len(suffix))] if isinstance(limit, int) else value
    return head + suffix
