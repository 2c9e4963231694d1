"""What ``bola``'s reads name: the owner's object in a slot, the attacker's own, a filter alone.

A listing's filter (``GET /submissions?student_id=4``) is tried alone: the other optional
id filters a baseline fills with the caller's own ids (``assignment_id=5``, an assignment
of the owner's course) narrow the owner's answer to nothing and the attacker's to its own
rows, so that the filter under test is never seen to leak (the PHP trial's submissions).
"""

from __future__ import annotations

import dataclasses

from apiward.scan.context import Context
from apiward.scan.harvest import Sighting, Slot
from apiward.scan.identities import Identity
from apiward.scan.request import Request, Where
from apiward.scan.transport import Reply
from apiward.spec import Operation, ParameterLocation


def naming(ctx: Context, op: Operation, slot: Slot, obj: Sighting, base: Request) -> Request:
    """``base`` naming ``obj`` in ``slot``; in a path, with the parents it was seen under."""
    if slot.where is not Where.PATH:
        return base.with_param(slot.where, slot.name, obj.value)
    return ctx.harvest.lists.place(base, op, slot.name, obj.kind, obj.value)


def baseline(ctx: Context, op: Operation, slot: Slot, who: Identity) -> Request:
    """``who``'s baseline of ``op``, with ``slot`` the only optional id filter of its query."""
    return alone(ctx, op, slot, ctx.baseline(op, who))


def alone(ctx: Context, op: Operation, slot: Slot, request: Request) -> Request:
    """``request`` without the optional query id filters other than ``slot`` (module docstring)."""
    if slot.where is not Where.QUERY:
        return request
    required = {
        p.name for p in op.parameters if p.location is ParameterLocation.QUERY and p.required
    }
    others = {
        s.name for s in ctx.harvest.slots(op) if s.where is Where.QUERY and s.name != slot.name
    }
    dropped = others - required
    kept = tuple(pair for pair in request.query if pair[0] not in dropped)
    return request if kept == request.query else dataclasses.replace(request, query=kept)


async def own_read(ctx: Context, op: Operation, slot: Slot, attacker: Identity) -> Reply:
    """The attacker's legitimate read, naming an object of its own in ``slot``.

    Its baseline leaves an optional query id empty (``GET /loans`` lists): then the same
    read naming the first object it owns there, so that both answers are one object's.
    """
    full = ctx.baseline(op, attacker)
    base = alone(ctx, op, slot, full)
    own = ctx.harvest.owned(attacker, op, slot)
    if base.value(slot.where, slot.name) is not None or not own:
        if base is full:
            return await ctx.legit(op, attacker)
        return await ctx.send(base, as_=attacker, note=f"{attacker.name} reads its own")
    note = f"{attacker.name} reads its own {slot.name}={own[0].value}"
    return await ctx.send(naming(ctx, op, slot, own[0], base), as_=attacker, note=note)
