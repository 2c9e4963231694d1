"""How much a lower identity's change of a shared item weighs (``bfla``'s shared items).

The same effect (``scan.checks._catalogue``: a lower identity changes or deletes an item
a higher one made and both read) is the flaw on a public menu and the design in a team's
workspace, where every member edits the records a colleague made. So it is **high and
confirmed** when the contract names the higher role (role evidence), when the lower
identity is refused *creating* items in that collection (it may change or delete what it
may not make: the check differs by method), or when an anonymous read shows the item
(what everyone sees, a lower identity changes). When the lower identity may create there
too, it is a collaborator on the collection: **low and tentative** (medium with other
privilege signals), since that may be the API's policy. When nothing shows either,
medium (high with other signals).

Whether it may create: an item it made there earlier in the scan (harvesting makes one
per identity), else its legitimate creation (shared by every check), else, when that is
withheld (its baseline names another's parent), one it makes under the item's own
parents and that is deleted at once (never without a DELETE, unless ``--aggressive``).
A lower identity's *creation* itself is graded by the signals alone: every role fills
many a shared catalogue, and only the contract says when one may not.
"""

from __future__ import annotations

from dataclasses import replace

from apiward.core.findings import Confidence, Severity
from apiward.scan import _objects
from apiward.scan.checks._catalogue import Effect, creation_of, fresh, remove
from apiward.scan.checks._privilege import REFUSED, Signals
from apiward.scan.context import Context
from apiward.scan.destructive import Destructive
from apiward.scan.request import Request, Where
from apiward.scan.scope import OutOfScope
from apiward.scan.transport import Reply
from apiward.scan.withhold import Withheld
from apiward.spec import Operation

Grade = tuple[tuple[Severity, Confidence], str]
"""A finding's severity and confidence, and the sentence that says why."""
HIGH_CONFIRMED = (Severity.HIGH, Confidence.CONFIRMED)


async def weigh(
    ctx: Context, op: Operation, effect: Effect, found: Signals
) -> tuple[Effect, Grade]:
    """How much ``effect`` weighs (``found``: the privilege signals), its evidence completed.

    A creation by its signals alone; a change or delete also by whether the lower
    identity may create items there itself, and whether the item is public (module doc).
    """
    if effect.key == "create" or found.roles:
        return effect, _graded(found)
    low = effect.low
    create = creation_of(ctx, op)
    may, reply = await _creation_by(ctx, op, create[0], effect) if create else (None, None)
    if reply is not None:
        effect = replace(effect, evidence=(*effect.evidence, reply))
    if may is False and reply is not None:
        why = (
            f"Yet {low.name} is refused adding items there ({reply.status}): it changes what "
            "it may not make, an authorization that differs by method. "
        )
        return effect, (HIGH_CONFIRMED, why)
    if effect.public:
        why = "An anonymous read shows the item: what everyone sees, a lower identity changes. "
        return effect, (HIGH_CONFIRMED, why)
    if may is None:
        return effect, _graded(found) if found else ((Severity.MEDIUM, Confidence.FIRM), "")
    why = (
        f"{low.name} may add items there too (it made one): a collaborator on a shared "
        "collection (a team's records), where members changing each other's items may be "
        "the API's policy. "
    )
    if found:
        return effect, ((Severity.MEDIUM, Confidence.FIRM), f"{why}Yet: {found.text()}. ")
    return effect, ((Severity.LOW, Confidence.TENTATIVE), why)


async def _creation_by(
    ctx: Context, op: Operation, create: Operation, effect: Effect
) -> tuple[bool | None, Reply | None]:
    """Whether ``effect.low`` may create in the item's collection (None: not known), and why.

    It made one there earlier in the scan (harvesting makes one per identity), else its
    legitimate creation (shared with every check) answers: 2xx it may, 401/403 it may not.
    When that was not sent (its baseline names another's parent), it creates one under
    the item's own parents, which is deleted at once.
    """
    low, parents = effect.low, dict(effect.evidence[1].sent.path_params)
    parents.popitem()  # the item's own id; what is left names its collection
    for created in ctx.ledger.created:
        by, made = created.creator.identity, created.create
        there = all(made.path_params.get(k) == v for k, v in parents.items())
        if by is not None and by.name == low.name and made.path == create.path and there:
            return True, None
    try:
        reply: Reply | None = await ctx.legit(create, low)
    except (Withheld, Destructive, OutOfScope):
        reply = await _create_there(ctx, op, create, effect, parents)
    if reply is not None and (reply.ok or reply.status in REFUSED):
        return reply.ok, reply
    return None, None


async def _create_there(
    ctx: Context, op: Operation, create: Operation, effect: Effect, parents: dict[str, str]
) -> Reply | None:
    """``effect.low`` adds an item beside the one it changed; it is deleted again at once."""
    if ctx.api.operation("DELETE", op.path) is None and not ctx.ledger.aggressive:
        return None  # what it would make could not go again
    low = effect.low
    request = fresh(ctx, ctx.baseline(create, low))
    for name, value in parents.items():
        request = request.with_param(Where.PATH, name, value)
    note = f"{low.name} adds an item beside {effect.high.name}'s"
    try:
        reply = await ctx.send(request, as_=low, note=note)
    except (Withheld, Destructive, OutOfScope):
        return None
    new = _objects.new_id(ctx.api, request, reply.data, reply.header("location"))
    if reply.ok and new is not None and ctx.ledger.made(new):
        name = op.path.rstrip("/").rsplit("/", 1)[-1][1:-1]
        item = Request(method="GET", path=op.path, path_params={**parents, name: new})
        await remove(ctx, op, item, (low, effect.high))
    return reply


def _graded(found: Signals) -> Grade:
    """How much a lower identity's creation weighs, by what says the catalogue is higher's."""
    if found.roles:
        return HIGH_CONFIRMED, f"The contract gives it to higher roles: {'; '.join(found.roles)}. "
    if found:
        return (Severity.MEDIUM, Confidence.FIRM), f"It belongs to a higher role: {found.text()}. "
    return (
        (Severity.LOW, Confidence.TENTATIVE),
        "Nothing says that only higher roles add items: where every role may (a shared "
        "catalogue all of them fill), this is the API's policy. ",
    )
