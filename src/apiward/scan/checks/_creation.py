"""Mass assignment on a creation: privilege fields left out of the control, sent in the probe.

A creation's synthesised request fills its optional fields too (``scan.synthesis``), and
the engine never sends a legitimate write that sets a privilege field (``scan.withhold``),
so an optional ``approved_by`` of ``POST /orders`` was never compared with anything. Here,
as each identity in turn, lowest role first, until one can create:

* the **control** is the identity's creation with every privilege field (at any depth)
  left out; it must succeed with a new id, and the new object is read (its item GET,
  else the creation's answer) for what each field holds when the caller sets nothing;
* a **price** the new object shows that the request does not declare (``priceCents`` on a
  booking: ``scan.fields.is_price``) is probed with one unit, far below the server's;
* each **probe** is the control plus one privilege field (``scan.fields.is_privileged``,
  never an identifier): declared by the request but not required (a required one cannot
  be left out), or shown on the control's object though the request does not declare
  it. Its value is one the field can hold (``scan.values.probe_value``); a field naming
  who acted (``approved_by``, ``verifiedBy``) holds a person, so the API's own values for
  it, else an identity's own id of the field's kind, the most privileged identity first.
  A value is only tried when it is a gain over the control's (a flag's granting value, a
  privileged-sounding word, a person where there was none, a raised number).

The probe's new object read back with the value sent, where the control's held another,
is kept (:class:`Kept`); ``mass_assignment`` words and rates it. Only a creation the
contract can delete (and the scope lets delete) is tried: every object made here is
recorded by the ledger; a probe's is deleted as soon as it is read (no later check works
on an order made approved), the control's by the restore phase with the scan's others.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from apiward.core.errors import TargetError
from apiward.scan._deleters import deleter
from apiward.scan._objects import item_of, new_id
from apiward.scan.check import Skip, SkipReason
from apiward.scan.checks._readback import (
    Look,
    concrete,
    field_schemas,
    fields,
    json_object,
    me_like,
    privilege_candidates,
    same_value,
    send_as,
    with_field,
    without_field,
)
from apiward.scan.checks._tenant_moves import Move, moves, owners_differ
from apiward.scan.checks._tenant_moves import names as tenant_names
from apiward.scan.context import Context
from apiward.scan.destructive import Destructive
from apiward.scan.fields import is_identifier, is_price, is_privileged, names_owner, tokens
from apiward.scan.identities import Identity
from apiward.scan.request import Request, Where
from apiward.scan.scope import OutOfScope
from apiward.scan.sessions import ID_FIELDS
from apiward.scan.transport import Reply
from apiward.scan.values import Probe, Source, probe_value, rank
from apiward.scan.withhold import withheld
from apiward.spec import Operation, Schema

MAX_FIELDS = 6
_ACTOR = {"by"}
"""A last word that makes a field name the person who acted: ``approved_by``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Try:
    """One candidate: the field, its value before, the value to set, and the contract's word."""

    name: str
    old: Any
    probe: Probe
    writable: bool
    guessed: bool = False
    """Names no contract or answer showed, tried together (``admin / is_admin``)."""
    owner: str = ""
    """The identity whose tenant (or own id) the value is: the object is sent into its
    records, not the caller's (``checks._tenant_moves``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Kept:
    """A probe whose object kept the privilege field it was created with."""

    attempt: Try
    identity: str
    before: Reply
    attack: Reply
    after: Look


@dataclass(frozen=True, slots=True, kw_only=True)
class _Made:
    """An object a creation made, as its item GET (or the creation's answer) shows it."""

    id: str
    created: Reply
    reply: Reply
    where: str
    data: dict[str, Any]


async def creations(
    ctx: Context, op: Operation, writable: set[str]
) -> tuple[list[Kept], list[Skip]]:
    """Probe creation ``op`` with each optional or undeclared privilege field in turn."""
    schema, _ = ctx.synthesizer.body_schema(op)
    if not _worth(ctx, op, schema):
        why = "no privilege field it could carry: none optional, none in what it makes"
        return [], [Skip(reason=SkipReason.NOT_APPLICABLE, detail=why)]
    order = sorted(ctx.identities, key=lambda i: (rank(i.role), i.rank or 0))
    for identity in order:
        control = _control(ctx.baseline(op, identity))
        if not _deletable(ctx, control):
            why = "the contract cannot delete what a probe would create"
            return [], [Skip(reason=SkipReason.NOT_APPLICABLE, detail=why)]
        if withheld(ctx.harvest, op, identity, control) is not None:
            continue
        note = "control: the creation without privilege fields"
        made = await _create(ctx, op, control, identity, note)
        if made is None:
            continue
        named = [*field_schemas(ctx, schema), *fields(made.data)]
        people = await _people(ctx, identity) if any(_actor(n) for n in named) else []
        tries, untried = _candidates(ctx, op, schema, made.data, writable, people)
        tries += [_moved(m, writable) for m in moves(ctx, identity, made.data)]
        kept = [k for t in tries if (k := await _probe(ctx, op, control, identity, made, t))]
        return kept, untried
    return [], [Skip(reason=SkipReason.NO_ACCESS, detail="no identity could create and read back")]


def _moved(move: Move, writable: set[str]) -> Try:
    value = Probe(value=move.theirs, source=Source.OBSERVED)
    return Try(
        name=move.name, old=move.mine, probe=value, writable=move.name in writable, owner=move.owner
    )


def _worth(ctx: Context, op: Operation, schema: Schema | None) -> bool:
    """Whether the contract lets a probe be: an optional privilege field in the request, one
    in the answer's or the item's schema, or answers whose fields it does not say."""
    item = item_of(ctx.api, op.path)
    reader = ctx.api.operation("GET", item[0]) if item is not None else None
    shown: dict[str, Schema] = {}
    for answer in (op, reader):
        shown |= field_schemas(ctx, answer.answer_schema()) if answer is not None else {}
    required = _required(ctx, schema)
    offered = [n for n in field_schemas(ctx, schema) if n.split(".")[0] not in required]
    names = [n for n in [*offered, *shown] if is_privileged(n) and n.split(".")[0] not in required]
    if any(is_price(n) for n in shown if n not in field_schemas(ctx, schema)):
        return True  # a price the request does not declare, yet what it makes shows
    if {*field_schemas(ctx, schema), *shown} & tenant_names(ctx):
        return True  # a tenant reference a probe may move (``checks._tenant_moves``)
    if any(names_owner(n) for n in {*field_schemas(ctx, schema), *shown}) and owners_differ(ctx):
        return True  # so is an owner field (``owner_id``) holding the caller's own id
    return not shown or any(not any(is_identifier(p) for p in n.split(".")) for n in names)


def _control(base: Request) -> Request:
    """``base`` without any privilege field, at any depth: what a plain caller would send."""
    if not isinstance(base.body, dict):
        return base
    for name in fields(base.body):
        if is_privileged(name):
            base = without_field(base, name)
    return base


def _deletable(ctx: Context, create: Request) -> bool:
    """Whether what ``create`` makes can be deleted (a DELETE in the contract and the scope)."""
    remove = deleter(ctx.api, create, "-")
    if remove is None:
        return False
    key = f"DELETE {remove.path}"
    return key not in ctx.out_of_scope and ctx.scope.why_out_path("DELETE", remove.path) is None


async def _create(
    ctx: Context, op: Operation, request: Request, identity: Identity, note: str
) -> _Made | None:
    """Send creation ``request`` and read what it made (None: nothing made, or no id)."""
    try:
        reply = await send_as(ctx, request, identity, note)
    except TargetError:
        if ctx.sessions.transport.down is not None:
            raise
        return None
    made = new_id(ctx.api, request, reply.data, reply.header("location")) if reply.ok else None
    if made is None:
        return None
    item = item_of(ctx.api, request.path)
    reader = ctx.api.operation("GET", item[0]) if item is not None else None
    if item is not None and reader is not None and reader in ctx.probes:
        read = ctx.request(reader)
        for key, value in request.path_params.items():
            if "{" + key + "}" in reader.path:
                read = read.with_param(Where.PATH, key, value)
        read = read.with_param(Where.PATH, item[1], made)
        shown = await send_as(ctx, read, identity, f"read back what {op.key} made")
        data = json_object(shown)
        if data is not None:
            return _Made(id=made, created=reply, reply=shown, where=reader.key, data=data)
    data = json_object(reply)
    return _Made(
        id=made, created=reply, reply=reply, where=f"the answer to {op.key}", data=data or {}
    )


def _candidates(
    ctx: Context,
    op: Operation,
    schema: Schema | None,
    shown: Mapping[str, Any],
    writable: set[str],
    people: list[str | int],
) -> tuple[list[Try], list[Skip]]:
    """Optional declared and shown undeclared privilege fields, with a value that gains."""
    declared = field_schemas(ctx, schema)
    required = _required(ctx, schema)
    seen = fields(shown)
    names = [n for n in declared if n.split(".")[0] not in required]
    names += [n for n in seen if n not in declared]
    names = privilege_candidates(names, seen)
    tries: list[Try] = [_cheaper(n, seen[n]) for n in seen if _undeclared_price(n, seen, declared)]
    untried: list[Skip] = []
    for name in names:
        old = seen.get(name)
        sub = concrete(declared.get(name) or {})
        probe = _value(ctx, name, sub, old, people)
        if probe is not None and _gains(old, probe.value, name):
            tries.append(Try(name=name, old=old, probe=probe, writable=name in writable))
        elif probe is None:
            untried.append(_unknown(name))
    return tries[:MAX_FIELDS], untried


def _undeclared_price(name: str, seen: Mapping[str, Any], declared: Mapping[str, Any]) -> bool:
    """A price the new object shows that the request does not declare: the server's to set."""
    value = seen.get(name)
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    return name not in declared and is_price(name) and value > 1


def _cheaper(name: str, old: Any) -> Try:
    """The probe of a price the caller may not set: one unit, far below what the server set
    (the Hono trial's booking took the client's ``priceCents``)."""
    return Try(name=name, old=old, probe=Probe(value=1, source=Source.TYPE), writable=False)


def _required(ctx: Context, schema: Schema | None) -> set[str]:
    """The top-level properties a creation must carry (``allOf`` parts' too)."""
    if not schema:
        return set()
    schema = ctx.api.deref(schema)
    found = {str(n) for n in schema.get("required", ())}
    for part in schema.get("allOf", ()):
        found |= _required(ctx, part)
    return found


def _value(
    ctx: Context, name: str, schema: Schema, old: Any, people: list[str | int]
) -> Probe | None:
    """A value for ``name``: a person for a field naming who acted, else ``probe_value``'s."""
    observed = ctx.synthesizer.observed.values(name)
    if _actor(name) and not observed:
        person = _person(schema, people)
        if person is not None:
            return Probe(value=person, source=Source.OBSERVED)
    return probe_value(name, schema, old, observed)


def _actor(name: str) -> bool:
    words = tokens(name.rsplit(".", 1)[-1])
    return bool(words) and words[-1] in _ACTOR


async def _people(ctx: Context, caller: Identity) -> list[str | int]:
    """The identities' own ids, the most privileged identity first and the caller last.

    From each login answer or token (``Sessions.own_ids``), else from its me-like read
    (the legitimate one every check shares): an identity with a fixed API key has no
    login to tell its id.
    """
    order = sorted(ctx.identities, key=lambda i: (rank(i.role), i.rank or 0), reverse=True)
    me = next(iter(me_like(ctx)), None)
    found: list[str | int] = []
    for identity in [*(i for i in order if i != caller), caller]:
        ids = [v for _, v in ctx.sessions.own_ids(identity)]
        if not ids and me is not None:
            shown = json_object(await ctx.legit(me, identity)) or {}
            ids = [shown[k] for k in ID_FIELDS if isinstance(shown.get(k), str | int)]
        found += [v for v in ids if not isinstance(v, bool)]
    return found


def _person(schema: Schema, people: list[str | int]) -> str | int | None:
    """The first of ``people`` of ``schema``'s kind (a number or a string)."""
    numeric = schema.get("type") in {"integer", "number"}
    return next((v for v in people if isinstance(v, int) == numeric), None)


def _gains(old: Any, value: Any, name: str) -> bool:
    """True when ``value`` is a gain over what the control's object holds."""
    if same_value(old, value):
        return False
    if old is None or old == "":
        return not isinstance(value, str) or rank(value) > 0 or _actor(name)
    if isinstance(value, str):
        return rank(value) > rank(old)
    return True  # probe_value only raises numbers and sets flags to their granting value


def _unknown(name: str) -> Skip:
    return Skip(
        reason=SkipReason.NOT_APPLICABLE,
        detail=f"{name} not probed on creation: no value it can hold is known (none in the "
        "API's answers, no enum, no identity's id)",
    )


async def _probe(
    ctx: Context, op: Operation, control: Request, identity: Identity, before: _Made, attempt: Try
) -> Kept | None:
    """Create with one privilege field set; kept when the new object shows the value sent."""
    # Its unique values made anew: the control's object still holds them (a slug, a 409).
    probe = with_field(ctx.synthesizer.renew(op, control), attempt.name, attempt.probe.value)
    note = f"mass assignment on creation: {attempt.name}"
    made = await _create(ctx, op, probe, identity, note)
    if made is None:
        return None
    await _remove(ctx, probe, made.id, identity)
    now = fields(made.data).get(attempt.name)
    if now is None or not same_value(now, attempt.probe.value):
        return None
    after = Look(reply=made.reply, where=made.where, value=now)
    return Kept(
        attempt=attempt,
        identity=identity.name,
        before=before.reply,
        attack=made.created,
        after=after,
    )


async def _remove(ctx: Context, create: Request, made: str, identity: Identity) -> None:
    """Delete a probe's object now, so no later check works on an object made privileged.

    The restore phase deletes what is left (under ``--safe`` no DELETE goes out before it).
    """
    remove = deleter(ctx.api, create, made)
    if remove is None:
        return
    try:
        await send_as(ctx, remove, identity, "delete what the probe made")
    except (Destructive, OutOfScope, TargetError):
        if ctx.sessions.transport.down is not None:
            raise
