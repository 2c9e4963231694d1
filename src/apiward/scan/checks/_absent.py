"""A control's write to an object that does not exist, sent even where nothing could read it.

``bola`` and ``bfla`` compare a write with the same write naming a missing id
(``scan.missing``). Where no read reaches the missing object the ledger withheld that
control as a write it could not undo, and the whole check with it (the Sanic trial's
``PATCH /comments/{comment_id}``, whose comments are listed only under their task). When
the missing id is the written object's own (its last path id), nothing is there to
change, and the control goes without a snapshot (``scan.missing.naming_nothing``); one the
API takes anyway is listed. A missing parent stays a normal write: an API that ignores
its parents writes the real child under it.
"""

from __future__ import annotations

from apiward.scan.context import Context
from apiward.scan.identities import Identity
from apiward.scan.missing import naming_nothing
from apiward.scan.request import Request
from apiward.scan.transport import Reply
from apiward.scan.withhold import Unrestorable


async def control(
    ctx: Context, request: Request, as_: Identity | None, note: str, *, itself: bool
) -> Reply:
    """``request`` sent as ``as_``; where it could not be undone and ``itself`` (the missing
    id is the written object's own), sent with nothing to read or restore."""
    try:
        return await ctx.send(request, as_=as_, note=note)
    except Unrestorable:
        if not itself:
            raise
    with naming_nothing():
        return await ctx.send(request, as_=as_, note=note)
