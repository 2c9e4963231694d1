"""Objects the scan made without seeing their ids, found again in their collection's listing.

Some creations answer without the new id (``201`` and an empty body, ``{"ok": true}``),
and some fail after the row is written (a ``500 database is locked`` once the insert
went through: SQLite under the scan's parallel requests). Either way the object stays
unless the restore finds it. What the scan sends in a creation carries values it made
(``apiward…`` names, unique to the run); the creator's listing of that collection is read
once (every page, as far as its answers say more follow: ``scan.pages``), and a row holding every such value of the creation's body, and the only such row,
is the object it made (a probe's payload may follow those values), unless its id is one
the scan already knows. A creation that failed and is not found so is taken to have made
nothing, unless its body held no value of the scan's (:func:`untold`): then it is listed,
unless every row of that listing is one the harvest saw (``Ledger.seen``) or the scan made.
"""

from __future__ import annotations

import re
from typing import Any

from apiward.scan import _deleters, _objects, envelope, pages
from apiward.scan.entries import Created
from apiward.scan.ledger import Ledger
from apiward.scan.request import Request
from apiward.spec import Operation

_MADE = re.compile(r"apiward[-_0-9a-z]{4,}", re.IGNORECASE)
"""The start of a value the scan made (``apiward766f2d42``, unique to the run), which a probe's
payload may follow (``apiward766f2d42' OR 1=1--``)."""
PAGES = 20
"""Pages of a listing read at most."""


async def look_up(ledger: Ledger, created: Created, listings: dict[str, Any]) -> None:
    """Give ``created`` its id and DELETE when the creator's listing shows what it made."""
    if created.id or created.account or created.deleted:
        return
    marks = _marks(created.create.body)
    listing = ledger.api.operation("GET", created.create.path)
    if not (marks or untold(created)) or listing is None:
        return
    if _deleters.deleter(ledger.api, created.create, "-") is None:
        return
    read = Request(
        method="GET",
        path=created.create.path,
        operation=listing.key,
        path_params=dict(created.create.path_params),
    )
    key = f"{created.creator.name} {read.target}"
    if key not in listings:
        listings[key] = await _pages(ledger, created, listing, read)
    known = {c.id for c in ledger.created if c.id and c.create.path == created.create.path}
    if not marks:
        created.nothing = _only_known(ledger, created, listings[key], known)
        return
    # A probe's payloads follow one made value, so several rows may start alike: those the
    # scan knows the ids of are others', and a row holding the very values sent wins.
    rows = [
        (row, made)
        for row in listings[key] or ()
        if isinstance(row, dict) and marks <= _values(row)
        for made in [_objects.new_id(ledger.api, created.create, row, None)]
        if made and made not in known
    ]
    sent = {k: v for k, v in created.create.body.items() if isinstance(v, str)}
    exact = [(row, made) for row, made in rows if all(row.get(k) == v for k, v in sent.items())]
    for found in (rows, exact):
        if len(found) == 1:
            created.id = found[0][1]
            linked = ledger.links.holds(created.create.path)
            created.delete = _deleters.deleter(
                ledger.api, created.create, created.id, linked=linked, answer=found[0][0]
            )
            return


def _marks(body: Any) -> set[str]:
    return _values(body) if isinstance(body, dict) else set()


def untold(created: Created) -> bool:
    """True for a failed creation of an object whose body holds no value of the scan's: if it
    wrote a row (a 500 after the insert), nothing tells which; a malformed body made none.
    Not when its listing holds only rows the scan knew (:func:`_only_known`)."""
    body = created.create.body
    return created.failed and not created.nothing and isinstance(body, dict) and not _marks(body)


def _only_known(ledger: Ledger, created: Created, rows: Any, known: set[str]) -> bool:
    """True when the listing was read and each of its rows is one the harvest saw or the scan
    made with a known id: the Fastify trial's 13 bookings refused with a 500 before any
    insert were reported left. A row of anyone else's since keeps the creation listed."""
    if not isinstance(rows, list) or not rows:
        return False
    ids = [_objects.new_id(ledger.api, created.create, row, None) for row in rows]
    return all(i is not None and (i in ledger.seen or i in known) for i in ids)


def _values(row: dict[str, Any]) -> set[str]:
    """The scan-made starts of ``row``'s text values."""
    found = (_MADE.match(v) for v in row.values() if isinstance(v, str))
    return {m.group().lower() for m in found if m is not None}


async def _pages(ledger: Ledger, created: Created, listing: Operation, read: Request) -> list[Any]:
    """Every row of the creator's listing, page after page (``scan.pages``)."""
    rows: list[Any] = []
    base = ledger.sessions.transport.base_url
    for _ in range(PAGES):
        reply = await ledger.sessions.send(
            created.creator.dress(read),
            as_=created.creator.identity,
            note="restore: find what a creation made",
        )
        rows += (envelope.objects(reply.data) or []) if reply.ok else []
        following = pages.following(listing, reply, base)
        if following is None:
            break
        read = following
    return rows
