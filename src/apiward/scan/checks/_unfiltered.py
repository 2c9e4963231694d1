"""Whether a filtered read shows the attacker only what its own unfiltered listing shows.

A listing's filter (``GET /announcements?course_id=3``) that names another's object only
narrows a list when the caller reads every row of the answer without it: school-wide
announcements any member lists, filtered by a colleague's course, are no leak (the PHP
trial's false positive). The harvest fills such a filter with each identity's own id, so
its rows tell nothing here: the attacker's listing is read now, without the filter, over
up to ``pages.HARVESTED`` pages, and every row the attack got must be in it whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apiward.scan import pages
from apiward.scan.context import Context
from apiward.scan.envelope import objects
from apiward.scan.harvest import Slot
from apiward.scan.identities import Identity
from apiward.scan.request import Request, Where
from apiward.scan.transport import Reply
from apiward.spec import Operation


async def shows_all(
    ctx: Context, op: Operation, slot: Slot, attacker: Identity, attack: Reply
) -> bool:
    """True when ``attacker``'s read of ``op`` without ``slot``'s filter shows every row of ``attack``."""
    rows = objects(attack.data)
    if slot.where is not Where.QUERY or not rows or _required(op, slot.name):
        return False
    wanted = [row for row in rows if isinstance(row, Mapping)]
    if len(wanted) != len(rows):
        return False
    request: Request | None = attack.sent.without_query(slot.name)
    base_url = ctx.ledger.sessions.transport.base_url
    for _ in range(pages.HARVESTED):
        if request is None:
            return False
        reply = await ctx.send(request, as_=attacker, note=f"control: no {slot.name} at all")
        listed = [row for row in objects(reply.data) or [] if isinstance(row, Mapping)]
        wanted = [row for row in wanted if not any(_whole(row, seen) for seen in listed)]
        if not reply.ok or not wanted:
            return reply.ok
        request = pages.following(op, reply, base_url)
    return False


def _required(op: Operation, name: str) -> bool:
    return any(p.name == name and p.required for p in op.parameters)


def _whole(row: Mapping[str, Any], seen: Mapping[str, Any]) -> bool:
    """True when ``seen`` holds every field of ``row`` with the same value."""
    return all(key in seen and seen[key] == value for key, value in row.items())
