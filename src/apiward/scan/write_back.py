"""Whether the restore phase could put back what a write changes on an object the scan did
not make; unless aggressive, the ledger withholds one it could not
(:class:`~apiward.scan.withhold.Unrestorable`). Three reasons, in this order:

* no write of the contract puts back every field it may change (``_rewrites.restorable``);
* it moves a state field (``scan.fields.state_moved``): many APIs never take a state back;
* the API refuses the object's own values back, asked before the first write of those
  fields (below).

Seed data goes into a database without passing the API's validators, so an API can refuse
an object's own values: the hapi trial's seeded ``admin@school.test`` against Joi's e-mail
rule (pydantic's ``EmailStr`` refuses ``.test`` too). A scan that changed such a field could
never put it back: the admin kept a made-up address. So, unless aggressive, the ledger asks
first: it sends the writes the restore phase would send (``_rewrites.rewrites``), with the
values the snapshot read, as whoever read it and then as the writer. One taken (2xx) changes
nothing and lets the write go; when every one is refused as invalid (400, 422) the write is
withheld. Any other refusal (401, 403, 405, 5xx) says nothing of the values and lets it go.

Asked once per object and set of fields the write changes that it declares (an API
validates what its write declares; a field it does not is kept or dropped, not refused);
the questions are the restore's own writes, so the object is left as it was read.
"""

from __future__ import annotations

import asyncio
from typing import Any

from apiward.scan import _rewrites, fields
from apiward.scan.entries import Sender, Snapshot, distinct
from apiward.scan.request import Request
from apiward.scan.required_only import REFUSED
from apiward.scan.sessions import Sessions
from apiward.spec import Api

NOTE = "write-back"
"""The note the questions carry in the scan's journal."""


class WriteBacks:
    """What the API answered to its objects' own values, by object and fields."""

    def __init__(self, api: Api, sessions: Sessions) -> None:
        self.api = api
        self.sessions = sessions
        self._asked: dict[tuple[str, frozenset[str]], asyncio.Future[str]] = {}

    async def why_not(
        self, snapshot: Snapshot, key: str, request: Request, sender: Sender, *, redeemed: bool
    ) -> str:
        """Why the restore could not put back what ``request`` changes on the snapshot's
        existing object (empty: it could); ``redeemed``: a redemption's credit, the scan's own."""
        updates = request.method.upper() in {"POST", "PUT", "PATCH"} and not redeemed
        item = snapshot.read.item
        if updates and not _rewrites.restorable(self.api, item, request, snapshot.before):
            why = f"no write of the contract puts back every field of {key} it may change"
            return f"{why}, so it could not be restored"
        moved = fields.state_moved(request.body, snapshot.before)
        if moved:
            return (
                f"it moves {moved} of {key}, which the scan did not make: many APIs never "
                "take a state back (a graded submission, a paid invoice), so it could not be restored"
            )
        return await self._refused(snapshot, key, request, sender) if updates else ""

    async def _refused(self, snapshot: Snapshot, key: str, request: Request, sender: Sender) -> str:
        before = snapshot.before
        if not isinstance(before, dict) or not isinstance(request.body, dict):
            return ""
        # What an API validates is what its write declares: a field it does not declare (a
        # mass-assignment probe's ``balance``) is kept or dropped, not refused; one the write
        # leaves as it was needs nothing back.
        declared = _rewrites.settable(self.api, [request])
        sets = frozenset(
            k
            for k, v in request.body.items()
            if k in before and v != before[k] and (declared is None or k in declared)
        )
        if not sets:
            return ""
        asked = (key, sets)
        if asked not in self._asked:
            task = asyncio.ensure_future(self._ask(snapshot, key, request, sender, sets))
            task.add_done_callback(lambda t: t.cancelled() or t.exception())
            self._asked[asked] = task
        return await asyncio.shield(self._asked[asked])

    async def _ask(
        self, snapshot: Snapshot, key: str, request: Request, sender: Sender, sets: frozenset[str]
    ) -> str:
        before: dict[str, Any] = snapshot.before
        old = {k: before[k] for k in sets}
        item = snapshot.read.item
        writes = _rewrites.rewrites(self.api, item, [request], before, old)
        refusals: dict[str, None] = {}  # in order, once each: two PATCHes read alike
        for write in writes:
            for who in distinct((snapshot.reader, sender)):
                reply = await self.sessions.send(who.dress(write), as_=who.identity, note=NOTE)
                if reply.ok:
                    return ""
                if reply.status not in REFUSED:
                    return ""  # refused for who sent it, or broken: nothing said of the values
                refusals[f"{reply.status} to {write.method} {write.path}"] = None
        if not refusals:
            return ""
        return (
            f"the API refuses its own values back ({', '.join(sorted(sets))} of {key}, as read: "
            f"{'; '.join(refusals)}), so a change to them could not be restored"
        )
