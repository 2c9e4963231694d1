"""Actions on an item (approve, publish, cancel) a lower identity takes on its own (for ``bfla``).

An *action* is a POST without body fields on an item path (``/orders/{id}/approve``), or
any one-way action (``scan.one_way``), whatever body its contract declares.
The probe runs on an object the low identity makes for it (``Context.fresh_object``,
never a seeded one): read, the action as low, read again; a field that moved (not a
timestamp) is the effect. That object is low's own, and an owner acting on its own
object (cancelling its order, publishing its post) is what most actions are for, so
the effect counts only with evidence that the action is a higher role's:

* **role evidence** in the contract (``Signals.roles``: scopes the token lacks, a marking
  above low's role, the higher role named, "editors only"). A bare documented 403 is
  not: on an object it is mostly the owner check that refuses everyone else; or
* a **decision** (the action's segment says approve, reject, decline, deny...) that the
  higher identity also takes, with the same effect, on another object low made: in this
  API that role decides on what others submit, and a maker deciding on its own is the
  flaw. Cancel, publish, archive, submit are not decisions: each owner takes them.

:func:`act` (one identity makes an object, another acts on it, the maker reads the
effect) is ``bola``'s probe of one-way actions too (``scan.one_way``). Of the fields that
moved, the state (``status``) is the one reported, and a decision counts when the higher
identity's moved one field to the same value (``status: approved``; not ``approved_by``,
which names each approver).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from apiward.scan import _objects
from apiward.scan._objects import VOLATILE
from apiward.scan.checks._privilege import Signals, ranks
from apiward.scan.checks._readback import send_as
from apiward.scan.context import Context
from apiward.scan.fields import is_state
from apiward.scan.identities import Identity
from apiward.scan.one_way import one_way
from apiward.scan.transport import Reply
from apiward.scan.withhold import Withheld
from apiward.spec import Operation, ParameterLocation

_DECISION = re.compile(
    r"^(?:approv\w*|disapprov\w*|reject\w*|declin\w*|deny|denial|ratif\w*|endorse\w*|"
    r"sign-?off|countersign\w*)$",
    re.IGNORECASE,
)
"""The last segment of an action that decides on what someone submitted (``approve``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Effect:
    """What an action did to an object made for it, as its maker's reads around it show."""

    evidence: tuple[Reply, Reply, Reply]
    """The maker's read before, the action, the maker's read after."""
    changes: Mapping[str, tuple[Any, Any]]
    """Each field that moved (timestamps aside): its old value and its new."""
    reader: str
    """The read that shows it (``GET /orders/{id}``)."""

    def field(self, like: Effect | None = None) -> str | None:
        """The field to report: a state first; with ``like``, one that moved to the same value there."""
        names = [
            k
            for k, (_, new) in self.changes.items()
            if like is None or (k in like.changes and like.changes[k][1] == new)
        ]
        return min(names, key=lambda k: (not is_state(k), k), default=None)


@dataclass(frozen=True, slots=True, kw_only=True)
class Moved:
    """A field an action moved on an object low made: the reads around it, and why it counts."""

    evidence: tuple[Reply, Reply, Reply]
    """Low's read before, the action, low's read after."""
    name: str
    old: Any
    new: Any
    reader: str
    """The read that shows it (``GET /orders/{id}``)."""
    found: Signals
    """The signals, with the higher identity's own decision added when that is the evidence."""


def applies(ctx: Context, op: Operation) -> bool:
    """True for a POST on an item path whose body has no fields to send, or a one-way action."""
    if one_way(ctx.api, op):
        return True  # its body, if any (DRF gives an action the view's serializer), says nothing
    params = [p for p in op.parameters if p.location is ParameterLocation.PATH]
    if op.method != "POST" or not params:
        return False
    schema, _ = ctx.synthesizer.body_schema(op)
    return not (schema or {}).get("properties")


def decision(op: Operation) -> str | None:
    """The action's word when it decides on what another submitted (``approve``), else None."""
    last = op.path.rstrip("/").rsplit("/", 1)[-1]
    word = last.rsplit(":", 1)[-1]  # /orders/{id}:approve, Google's custom-method style
    return word if not word.startswith("{") and _DECISION.match(word) else None


async def probe(
    ctx: Context, op: Operation, low: Identity, high: Identity, found: Signals
) -> Moved | None:
    """Low's action moving a field of its own object, when evidence says the action is high's."""
    verb = decision(op)
    if not applies(ctx, op) or not (found.roles or verb):
        return None
    own = await act(ctx, op, low, low, body_of=await _donor(ctx, op, low))
    name = own.field() if own is not None else None
    if own is None or name is None or found.roles or verb is None:
        return _moved(own, name, found)
    seconded = await act(ctx, op, low, high)
    name = own.field(like=seconded) if seconded is not None else None
    if seconded is None or name is None:
        return None
    said = (
        f"{op.path} decides ({verb}) and {high.name} takes that decision on an object "
        f"{low.name} made ({seconded.reader} shows {name} {own.changes[name][1]!r}): the "
        "role decides on others' requests"
    )
    return _moved(
        own, name, Signals(strong=found.strong, hints=(*found.hints, said), roles=(said,))
    )


async def _donor(ctx: Context, op: Operation, low: Identity) -> Identity | None:
    """The highest identity above ``low``'s role whose own action got through: its body names
    whom or what as the API takes it (an agent of the org to assign to, not the customer)."""
    rank = await ranks(ctx)
    above = [i for i in ctx.identities if rank[i.name] > rank[low.name] and i.role != low.role]
    for identity in sorted(above, key=lambda i: -rank[i.name]):
        try:
            if (await ctx.legit(op, identity)).ok:
                return identity
        except Withheld:
            continue
    return None


def _moved(effect: Effect | None, name: str | None, found: Signals) -> Moved | None:
    if effect is None or name is None:
        return None
    old, new = effect.changes[name]
    return Moved(
        evidence=effect.evidence, name=name, old=old, new=new, reader=effect.reader, found=found
    )


async def act(
    ctx: Context, op: Operation, maker: Identity, actor: Identity, body_of: Identity | None = None
) -> Effect | None:
    """``actor`` takes the action on an object ``maker`` makes for it; what the maker's read shows.

    ``body_of``: whose baseline the action's body is (an assignee the higher identity
    names: a customer's own id is no agent to assign its ticket to, the Fastify trial's).
    None when no object could be made, the action or a read failed, or nothing moved.
    """
    aimed = await ctx.fresh_object(op, maker)
    read = _objects.reader(ctx.api, aimed) if aimed is not None else None
    if aimed is None or read is None:
        return None
    if body_of is not None and isinstance(aimed.body, dict) and aimed.body:
        theirs = ctx.sent(op, body_of) or ctx.baseline(op, body_of)  # as it got through
        aimed = dataclasses.replace(aimed, body=theirs.body)
    note = f"{maker.name} reads its object"
    first = await send_as(ctx, read.read, maker, f"{note} before {op.key}")
    before = read.show(first.data) if first.ok else None
    if not isinstance(before, dict):
        return None
    whose = "of its own" if actor is maker else f"{maker.name} made"
    attack = await send_as(ctx, aimed, actor, f"{actor.name} acts on an object {whose}")
    last = await send_as(ctx, read.read, maker, f"{note} after {op.key}")
    after = read.show(last.data) if attack.ok and last.ok else None
    if not isinstance(after, dict):
        return None
    moved = {
        k: (v, after[k])
        for k, v in before.items()
        if k in after and after[k] != v and not VOLATILE.search(k)
    }
    if not moved:
        return None
    reader = f"{read.read.method} {read.read.path}"
    return Effect(evidence=(first, attack, last), changes=moved, reader=reader)
