"""``bola`` on one-way actions (``scan.one_way``): a peer acting on an object made for it.

A one-way action (``POST /expenses/{ref}/approve``) is never sent to a harvested object:
what it does may never be undone. So, for each pair of peers in turn, the attacker's own
legitimate action goes to an object it makes for it (``Context.legit``) and must
succeed; then the owner makes another (``Context.fresh_object``), the attacker takes the
action on it, and the owner's read before and after shows what moved
(``scan.checks._actions.act``). A field that moved is the finding (high, confirmed):
the attacker changed for good an object only its owner should, unless the pair share a
tenant the object belongs to (``checks._tenants``: low and tentative, and the next pairs
are tried). The restore phase deletes both objects (as the manager, when an approved
expense is closed to its maker).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from itertools import islice

from apiward.core.findings import Confidence, Finding, Severity
from apiward.scan._findings import CheckInfo
from apiward.scan._objects import object_slot
from apiward.scan.check import Outcome
from apiward.scan.checks import _actions as actions
from apiward.scan.checks import _tenants as tenants
from apiward.scan.context import Context
from apiward.scan.destructive import Destructive
from apiward.scan.identities import Identity
from apiward.scan.resources import collection_of, singular
from apiward.scan.transport import Reply
from apiward.scan.withhold import Withheld
from apiward.spec import Operation


async def probe(
    ctx: Context, check: CheckInfo, op: Operation, most: tuple[int, int]
) -> AsyncIterator[Outcome]:
    """Each pair in turn, until one shows the attacker's action taken on the owner's object.

    ``most``: how many owners, and peers of each, in file order (a file may hold thousands
    of one role). Raises what withheld every pair (none had an action of its own to send).
    """
    slot = object_slot(ctx.api, op)
    tested, held, colleague = False, None, None
    owners = islice((o for o in ctx.identities if ctx.peers(o)), most[0])
    for owner, attacker in ((o, a) for o in owners for a in ctx.peers(o)[: most[1]]):
        try:
            theirs = await ctx.legit(op, attacker)
            effect = await actions.act(ctx, op, owner, attacker) if theirs.ok else None
        except (Withheld, Destructive) as withheld:
            held = withheld
            continue
        tested = True
        name = effect.field() if effect is not None else None
        if slot is not None and effect is not None and name is not None:
            pair = (owner, attacker)
            found = _finding(ctx, check, op, slot.name, pair, theirs, effect, name)
            kind = singular(collection_of(op.path, slot.name) or "")
            found = tenants.graded(ctx, op, found, pair, (kind, effect.evidence[0].data))
            if found.severity is not Severity.LOW:
                yield found
                return
            colleague = colleague or found  # a tenant's object: another pair may reach further
    if colleague is not None:
        yield colleague
    elif not tested and held is not None:
        raise held


def _finding(
    ctx: Context,
    check: CheckInfo,
    op: Operation,
    slot: str,
    who: tuple[Identity, Identity],
    theirs: Reply,
    effect: actions.Effect,
    name: str,
) -> Finding:
    (owner, attacker), (old, new) = who, effect.changes[name]
    before, attack, after = effect.evidence
    made = attack.sent.path_params.get(slot, "")
    return ctx.finding(
        check,
        op,
        title=f"{attacker.name} changes {owner.name}'s object through path {slot}",
        severity=Severity.HIGH,
        confidence=Confidence.CONFIRMED,
        detail=(
            f"{op.key} acts for good, so it was tried only on an object the scan made for "
            f"it: {owner.name} made {slot}={made}, {attacker.name} (a peer with role "
            f"{attacker.role or '(none)'}) took the action on it and got {attack.status}, "
            f"and {owner.name}'s {effect.reader} then showed {name} {old!r} → {new!r}. "
            f"{attacker.name}'s own action, on an object of its own, got {theirs.status}. "
            "The scan deletes both objects when it ends."
        ),
        evidence=[theirs, before, attack, after],
        key=f"path:{slot}",
        proof=attack,
    )
