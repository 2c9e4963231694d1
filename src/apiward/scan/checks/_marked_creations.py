"""A creation the contract gives to a higher role in words, made by a lower one.

"Managers only. Posts a notice to every resident of the building." (the Koa trial's
``POST /buildings/{id}/notices``): every identity's legitimate creation succeeded, so no
role was refused there and no signal told a privileged operation from an open one; bfla
judged the words only for reads. A POST that creates, whose summary or description
states a role above the lower identity's (``_privilege.marking``, a sentence), is that
role's: the lower identity's own legitimate creation making an object (a new id in its
answer), where the higher identity's succeeds too and an anonymous one is refused, is the
flaw. The object is the scan's and is deleted by the restore like every other.
"""

from __future__ import annotations

from apiward.scan._objects import creates, new_id
from apiward.scan.checks._privilege import REFUSED, marked_for
from apiward.scan.context import Context
from apiward.scan.identities import Identity
from apiward.scan.transport import Reply
from apiward.spec import Operation


async def probe(
    ctx: Context, op: Operation, low: Identity, high: Identity
) -> tuple[list[Reply], str] | None:
    """The evidence and the words of low's legitimate creation, where a sentence gives ``op``
    to a role above low's (see above); else None."""
    marked = await marked_for(ctx, op, low)
    if op.method != "POST" or marked is None or not marked.stated:
        return None
    if not marked.above(low.role) or not creates(ctx.api, op, ctx.logins):
        return None
    theirs, mine = await ctx.legit(op, high), await ctx.legit(op, low)
    made = new_id(ctx.api, mine.sent, mine.data, mine.header("location")) if mine.ok else None
    if not theirs.ok or made is None:
        return None
    anonymous = await ctx.send(ctx.baseline(op, high), as_=None, note="anonymous, same request")
    if anonymous.status not in REFUSED:
        return None  # open to anyone: auth_bypass's to report
    what = f"and made {made}, though the contract gives it to another role ({marked.where})"
    return [theirs, anonymous, mine], what
