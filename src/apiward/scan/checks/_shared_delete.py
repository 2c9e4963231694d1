"""Deleting a real item that every identity reads alike, under ``--aggressive`` (for ``bfla``).

``DELETE /promo-codes/{code}`` documented for admins, while ``GET`` on the same path is
everyone's: the only way to show that a lower role may end a campaign is to end one. So
only under ``--aggressive`` (the engine sends no other DELETE of an object the scan did
not make), only with a privilege signal (``bfla`` asks for one first), and only on an
item that

1. the highest identity and the lower one read alike: a *shared* item, not a record
   whose answer differs per caller; and
2. the harvest does not give to the lower identity as its own (an owner deleting its
   own item is what the operation is for).

The lower identity's DELETE must answer 2xx **and** the highest identity's read of the
item, 2xx before, must answer 404/410 after: an effect on an object that was there. An
equal "not found" to both on an id that does not exist shows nothing (``bfla`` says why).
The target state lists the item as deleted.
"""

from __future__ import annotations

from collections.abc import Mapping

from apiward.core.findings import Confidence, Finding, Severity
from apiward.scan._findings import CheckInfo
from apiward.scan.checks._answers import GONE
from apiward.scan.context import Context
from apiward.scan.diff import SAME, similarity
from apiward.scan.identities import Identity
from apiward.scan.request import Request, Where
from apiward.scan.transport import Reply
from apiward.spec import Operation

"""What a read answers once its object is deleted."""


async def probe(ctx: Context, op: Operation, low: Identity, high: Identity) -> list[Reply] | None:
    """The evidence (reads before, the DELETE, the read after) when ``low`` deleted a shared item."""
    read = ctx.api.operation("GET", op.path)
    if op.method != "DELETE" or read is None or ctx.safe or not ctx.ledger.aggressive:
        return None
    found = await _shared(ctx, op, read, low, high)
    if found is None:
        return None
    target, item, theirs, mine = found
    note = f"{low.name} deletes an item every identity reads (--aggressive)"
    attack = await ctx.send(target, as_=low, note=note)
    after = await ctx.send(item, as_=high, note=f"{high.name} reads the item again")
    if not attack.ok or after.status not in GONE:
        return None
    return [theirs, mine, attack, after]


def report(
    ctx: Context,
    check: CheckInfo,
    op: Operation,
    who: tuple[Identity, Identity],
    signals: str,
    evidence: list[Reply],
) -> Finding:
    """The finding: high, confirmed by the highest identity's read before and after."""
    low, high = who
    path = evidence[2].sent.path_params
    return ctx.finding(
        check,
        op,
        title=(
            f"{low.name} ({low.role or 'no role'}) deletes through {op.key}, an operation "
            f"of {high.role or high.name}"
        ),
        severity=Severity.HIGH,
        confidence=Confidence.CONFIRMED,
        detail=(
            f"{op.key} belongs to a higher role: {signals}. {high.name} and {low.name} read "
            f"the same item ({', '.join(f'{k}={v}' for k, v in path.items())}); {low.name} "
            f"deleted it ({evidence[2].status}) and {high.name}'s read now answers "
            f"{evidence[3].status}. The scan ran --aggressive: the item is gone for good."
        ),
        evidence=evidence,
        proof=evidence[2],
        key="delete",
    )


async def _shared(
    ctx: Context, op: Operation, read: Operation, low: Identity, high: Identity
) -> tuple[Request, Request, Reply, Reply] | None:
    """The DELETE and the read of an item both identities read alike, with both reads.

    The item is the one the highest identity's requests name, else one the contract's
    examples name (a ``code`` whose example is ``WELCOME50``): a lower identity seldom
    lists what only an admin may remove.
    """
    base = ctx.baseline(op, high)
    for target in (base, *_examples(ctx, base))[:3]:
        if not target.path_params or _owned(ctx, low, target):
            continue
        item = ctx.baseline(read, high)
        for name, value in target.path_params.items():
            item = item.with_param(Where.PATH, name, value)
        theirs = await ctx.send(item, as_=high, note=f"{high.name} reads the item")
        if not theirs.ok:
            continue
        mine = await ctx.send(item, as_=low, note=f"{low.name} reads the same item")
        if mine.ok and similarity(theirs.text, mine.text) >= SAME:
            return target, item, theirs, mine
        return None
    return None


def _examples(ctx: Context, request: Request) -> list[Request]:
    """``request`` with its one path value replaced by each example the contract gives a field of its name."""
    if len(request.path_params) != 1:
        return []
    [name] = request.path_params
    out = []
    for schema in ctx.api.schemas.values():
        properties = schema.get("properties") if isinstance(schema, Mapping) else None
        field = properties.get(name) if isinstance(properties, Mapping) else None
        if not isinstance(field, Mapping):
            continue
        examples = [*(field.get("examples") or []), field.get("example")]
        out += [request.with_param(Where.PATH, name, str(v)) for v in examples if v is not None]
    return out


def _owned(ctx: Context, low: Identity, request: Request) -> bool:
    """True when a path value of ``request`` is an object the harvest gives to ``low``."""
    values = {str(v) for v in request.path_params.values()}
    return any(
        s.identity == low.name and str(s.value) in values and ctx.harvest.is_owned(s)
        for s in ctx.harvest.sightings
    )
