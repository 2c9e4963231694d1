"""What the input-handling checks share: the inputs of an operation, who may call it, oracles.

The injection checks (SQL, NoSQL, OS command, template, path traversal) and the
outbound ones (SSRF, unsafe consumption) all do the same three things: find the
places an operation takes a value (query and path parameters, top-level JSON and form
body fields), pick an identity that may call the operation and its legitimate reply,
then send the legitimate request with one value replaced and compare. Echoes of the
payload are scrubbed from answers before two answers are compared, so an API that
merely repeats what it was sent never looks like one that interpreted it.

Requests are the budget: a check *screens* an input with one request carrying a whole
family of payloads, and sends them one by one only where the screen shows a reaction
(:func:`reacted`): an answer unlike both the legitimate one and the answer to an
*ordinary* new value (:func:`ordinary`, sent once per input and shared by every check).
The screens of an operation's inputs go out in one request (:func:`screened`), each input
with its own markers, unless that request gets a reaction.
A path id that any change turns into a 404 reacts to nothing a payload does. Payloads
that break the input's declared ``maxLength`` or ``pattern`` (:func:`fits`) are not sent
one by one after a screen that broke them too was refused: the API enforces its contract.

Nor is any probe whose answer an earlier one decided (:func:`probe`): once a value that
breaks some of the input's declared constraints was refused by validation (400 or 422,
unlike the legitimate value, the answer naming the input), every later value of any
check that breaks at least those constraints gets that refusal without being sent.
"""

from __future__ import annotations

import html
import json
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from urllib.parse import quote, quote_plus

from apiward.scan.check import Skip, SkipReason
from apiward.scan.context import Context
from apiward.scan.identities import Identity
from apiward.scan.request import READS, Request, Where
from apiward.scan.transport import Reply
from apiward.scan.withhold import Unrestorable, Withheld
from apiward.spec import Operation, ParameterLocation, Schema, json_types

_LOCATIONS = {ParameterLocation.QUERY: Where.QUERY, ParameterLocation.PATH: Where.PATH}
_NOT_FREE_TEXT = {"uuid", "date", "date-time", "time", "email", "ipv4", "ipv6", "byte", "binary"}
_DENIED = {401, 403}
REFUSED = frozenset({400, 422})
"""Statuses a validator refuses a value with."""
_ORDINARY = "zq7"
"""What an ordinary new value appends: lowercase letters and a digit, which most patterns allow."""
# Payloads that widen a condition (OR 1=1, $ne, a comment cutting the WHERE off) turn an
# update or a delete into one of every record: they only go to reads and creations.
WIDENING_METHODS = READS | {"POST"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Input:
    """One place an operation takes a value."""

    where: Where
    name: str
    schema: Schema
    description: str = ""

    @property
    def key(self) -> str:
        """``where:name``: what a finding's key names (never a value)."""
        return f"{self.where}:{self.name}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Caller:
    """An identity (None: anonymous) allowed to call an operation, and its legitimate reply."""

    identity: Identity | None
    legit: Reply
    renew: Callable[[Request], Request] | None = None
    """Makes a sign-up's or creation's unique values anew (``Synthesizer.renew``)."""

    @property
    def request(self) -> Request:
        """The legitimate request, the one every probe starts from (unique values new each time)."""
        return self.legit.sent if self.renew is None else self.renew(self.legit.sent)


def inputs(ctx: Context, operation: Operation) -> list[Input]:
    """Query and path parameters and top-level body fields, dereferenced."""
    found = [
        Input(
            where=_LOCATIONS[p.location],
            name=p.name,
            schema=ctx.api.deref(p.schema),
            description=p.description,
        )
        for p in operation.parameters
        if p.location in _LOCATIONS
    ]
    schema, _ = ctx.synthesizer.body_schema(operation)
    for name, sub in (schema or {}).get("properties", {}).items():
        field = ctx.api.deref(sub)
        if not field.get("readOnly"):
            found.append(
                Input(
                    where=Where.BODY,
                    name=name,
                    schema=field,
                    description=str(field.get("description", "")),
                )
            )
    return found


def text_inputs(ctx: Context, operation: Operation) -> list[Input]:
    """Inputs that take free text: strings without enum, const or a strict format."""
    return [i for i in inputs(ctx, operation) if _free_text(ctx, i.schema)]


_ORDER = re.compile(r"^(sort|order|sort_?by|order_?by|sort_?field|sort_?key|ordering)$", re.I)
"""A query parameter that names a column to sort by: ``ORDER BY`` takes no bound parameter,
so such a name is often formatted into the SQL, whatever list of values the contract gives."""


def sort_inputs(ctx: Context, operation: Operation) -> list[Input]:
    """Query parameters that name a sort column, an enum's too (the aiohttp trial's ``sort``,
    declared as an enum and formatted into ``ORDER BY``, was never probed)."""
    return [
        i
        for i in inputs(ctx, operation)
        if i.where is Where.QUERY and _ORDER.match(i.name) and "string" in json_types(i.schema)
    ]


def _free_text(ctx: Context, schema: Schema) -> bool:
    for option in schema.get("anyOf", ()) or schema.get("oneOf", ()):
        if _free_text(ctx, ctx.api.deref(option)):
            return True
    kind = schema.get("type")
    kinds = set(kind) if isinstance(kind, list | tuple) else {kind}
    if "string" not in kinds:
        return False
    return not ({"enum", "const"} & set(schema)) and schema.get("format") not in _NOT_FREE_TEXT


async def caller(ctx: Context, operation: Operation) -> Caller | None:
    """The first identity whose own request succeeds, else the first not refused outright,
    or anonymous for public operations.

    A 400 is not a refusal, yet probes sent beside it are refused the same way: the Go
    trial's admin had to name an ``orgId`` the contract does not declare, and its SSRF
    probes all got that 400 while a dispatcher's request would have worked.
    An identity whose request is withheld (it names another's object: the admin's import
    naming a lease of someone else's, in the Flask trial) passes to the next, whose own
    request may name its own. A write nothing can read back (unrestorable for every
    identity of the file) is sent by the scan's throwaway identity instead, when it can
    have one: its state is the scan's own (``scan.throwaway``); so is a step-up's, where
    wrong values lock users out.
    """
    renew = partial(ctx.synthesizer.renew, operation)
    fallback: Caller | None = None
    held: Withheld | None = None
    for identity in await ctx.probers(operation):
        try:
            legit = await ctx.legit(operation, identity)
        except Withheld as withheld:
            if fallback is not None:
                return fallback  # this one's would not be sent: probe beside the 400
            held = held or withheld  # another's may name only its own objects
            continue
        if legit.ok:
            return Caller(identity=identity, legit=legit, renew=renew)
        if fallback is None and (legit.status not in _DENIED or operation.is_public):
            fallback = Caller(identity=identity, legit=legit, renew=renew)
    if fallback is not None:
        return fallback
    if held is not None:
        made = await ctx.throwaway() if isinstance(held, Unrestorable) else None
        if made is None:
            raise held
        return Caller(identity=made, legit=await ctx.legit(operation, made), renew=renew)
    if ctx.identities or not (operation.is_public or operation.auth_optional):
        return None
    legit = await ctx.send(ctx.request(operation), as_=None, note="baseline: anonymous")
    return Caller(identity=None, legit=legit, renew=renew)


async def start(
    ctx: Context, operation: Operation, items: Sequence[Input], missing: str
) -> Caller | Skip:
    """Who sends the probes for ``items``, or the Skip saying why nothing can be probed."""
    if not items:
        return Skip(reason=SkipReason.NOT_APPLICABLE, detail=missing)
    who = await caller(ctx, operation)
    if who is None:
        return Skip(reason=SkipReason.NO_ACCESS, detail=ctx.legit_answers(operation))
    return who


def may_widen(operation: Operation) -> bool:
    """True when a payload that widens a condition cannot change or delete every record."""
    return operation.method in WIDENING_METHODS


def base_value(who: Caller, item: Input) -> str:
    """The value the legitimate request sends for ``item`` (as text)."""
    value = who.request.value(item.where, item.name)
    return "" if value is None else str(value)


async def probe(ctx: Context, who: Caller, item: Input, value: object, note: str) -> Reply:
    """The legitimate request with ``item`` set to ``value``, sent as the caller.

    Not sent when an earlier value that broke a subset of the declared constraints
    ``value`` breaks was refused by validation: that refusal is the answer.
    """
    broken = breaks(ctx, item, str(value))
    key = shared_key("refused", who, item)
    for constraints, refusal in ctx.refusals.get(key, ()):
        if constraints <= broken:
            return refusal
    request = who.request.with_param(item.where, item.name, value)
    reply = await ctx.send(request, as_=who.identity, note=note)
    if broken and _validation(who, item, reply):
        ctx.refusals.setdefault(key, []).append((broken, reply))
    return reply


def _validation(who: Caller, item: Input, reply: Reply) -> bool:
    """A refusal by the input's validation: 400 or 422, unlike the legitimate value, naming it."""
    return reply.status in REFUSED and reply.status != who.legit.status and item.name in reply.text


async def ordinary(ctx: Context, who: Caller, item: Input) -> Reply:
    """The legitimate request with a harmless suffix on ``item``, sent once per scan.

    How the API answers a value that is merely different: a payload answered the same
    way did nothing an ordinary value would not.
    """
    value = base_value(who, item) + _ORDINARY
    return await ctx.shared(
        shared_key("ordinary", who, item),
        lambda: probe(ctx, who, item, value, "an ordinary new value (control)"),
    )


def shared_key(what: str, who: Caller, item: Input, *more: str) -> tuple[str, ...]:
    """The ``ctx.shared`` key of ``what`` sent to ``item`` of the caller's operation."""
    operation = who.request.operation or f"{who.request.method} {who.request.path}"
    caller = who.identity.name if who.identity else ""
    return (what, operation, caller, item.key, *more)


async def reacted(ctx: Context, who: Caller, item: Input, reply: Reply) -> bool:
    """Whether ``reply`` to a payload got a status neither the legitimate value nor an ordinary one gets."""
    if reply.status == who.legit.status:
        return False
    return reply.status != (await ordinary(ctx, who, item)).status


async def screened(
    ctx: Context, who: Caller, values: Sequence[tuple[Input, str]], note: str
) -> list[Reply]:
    """The reply to each input set to its value, the values sent together where that tells the same.

    The inputs whose values keep to their declared length and pattern share one request,
    the others go alone (:func:`probe`: an earlier refusal may decide them). When an input
    would call the shared answer a reaction (:func:`reacted`: one input's value refused, a
    handler failing), each goes alone after all: one input's refusal must not hide another's
    answer. On an operation with several free-text inputs that react to nothing, a screen
    costs one request instead of one per input.
    """
    replies: dict[str, Reply] = {}
    together = [(item, value) for item, value in values if fits(ctx, item, value)]
    if len(together) > 1:
        request = who.request
        for item, value in together:
            request = request.with_param(item.where, item.name, value)
        joint = await ctx.send(request, as_=who.identity, note=f"{note}, in every input")
        if not [item for item, _ in together if await reacted(ctx, who, item, joint)]:
            replies = {item.key: joint for item, _ in together}
    for item, value in values:
        if item.key not in replies:
            replies[item.key] = await probe(ctx, who, item, value, note)
    return [replies[item.key] for item, _ in values]


def fits(ctx: Context, item: Input, value: str) -> bool:
    """Whether ``value`` keeps to the ``maxLength`` and ``pattern`` the contract declares for ``item``."""
    strings = _strings(ctx, item)
    return not strings or any(_within(schema, value) for schema in strings)


def breaks(ctx: Context, item: Input, value: str) -> frozenset[str]:
    """The declared constraints (``maxLength``, ``pattern``) ``value`` breaks; none when it fits.

    Only for an input with one string schema: of several options, one may hold it.
    """
    strings = _strings(ctx, item)
    if len(strings) != 1:
        return frozenset()
    schema = strings[0]
    broken: set[str] = set()
    limit = schema.get("maxLength")
    if isinstance(limit, int) and len(value) > limit:
        broken.add("maxLength")
    pattern = schema.get("pattern")
    try:
        if isinstance(pattern, str) and re.search(pattern, value) is None:
            broken.add("pattern")
    except re.error:
        pass  # a pattern Python cannot read says nothing
    return frozenset(broken)


def longest(ctx: Context, item: Input) -> int | None:
    """The longest text the contract lets ``item`` hold (None: no bound declared)."""
    bounds = [schema.get("maxLength") for schema in _strings(ctx, item)]
    if not bounds or not all(isinstance(b, int) for b in bounds):
        return None
    return max(int(b) for b in bounds if isinstance(b, int))


def _strings(ctx: Context, item: Input) -> list[Schema]:
    """The string schemas ``item`` may take (its ``anyOf`` options, or itself)."""
    options = [ctx.api.deref(o) for o in item.schema.get("anyOf", item.schema.get("oneOf", ()))]
    return [o for o in options or [item.schema] if o.get("type", "string") == "string"]


def _within(schema: Schema, value: str) -> bool:
    longest = schema.get("maxLength")
    if isinstance(longest, int) and len(value) > longest:
        return False
    pattern = schema.get("pattern")
    try:
        return not isinstance(pattern, str) or re.search(pattern, value) is not None
    except re.error:
        return True  # a pattern Python cannot read says nothing


def scrub(text: str, payloads: Sequence[str]) -> str:
    """``text`` without the echoes of ``payloads`` (raw, JSON-, HTML- or URL-escaped)."""
    for payload in payloads:
        for form in _echoes(payload):
            if form:
                text = text.replace(form, "\x00")
    return text


def _echoes(payload: str) -> list[str]:
    escaped = json.dumps(payload)[1:-1]
    forms = {payload, escaped, html.escape(payload), html.escape(escaped), quote(payload, safe="")}
    forms.add(quote_plus(payload))
    return sorted(forms, key=len, reverse=True)


def elapsed(reply: Reply) -> float:
    """Seconds the target took to answer ``reply``."""
    return reply.exchange.response.elapsed_ms / 1000 if reply.exchange.response else 0.0


def marker(length: int = 6) -> str:
    """A random lowercase hex string that no answer holds by chance."""
    return secrets.token_hex(length)


def number(low: int = 1000, high: int = 9999) -> int:
    """A random integer in ``[low, high]`` (unpredictable, so no answer holds it by chance)."""
    return low + secrets.randbelow(high - low + 1)
