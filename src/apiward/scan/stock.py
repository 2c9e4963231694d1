"""Creations that take from a shared object's stock: what deleting them may not give back.

A booking names a catalogue part (``{"partId": "BLT-M8", "quantity": 2}``), an order a
product, a reservation a room type: the object named is everybody's, and its row counts
what it has left (``stock: 12``, ``seats_available``, ``capacity``). The creation takes
from that count. Deleting what it made gives it back only where the API restocks, and a
booking deleted with its work order (its parent) gives back nothing: in the Koa trial the
scan's bookings under its own work orders took seven M8 bolts out of twelve for good, and
the report said nothing of it.

:func:`spent` names the count a creation's body reaches through an object the harvest
saw whole (``scan.rows``), at any depth of the body (a JSON:API document's
``data.attributes``). The ledger sends such a creation only where the contract deletes
what it makes by its own id (the booking's DELETE, which restocks where anything does),
and never under ``--safe``; ``--aggressive`` sends it anyway.

Where one goes out, :class:`Counts` reads the count first and once more after the restore:
a DELETE that does not restock (a cancellation that keeps the seats sold), or
``--aggressive``'s bookings, is *not restored* in the report, with the count before and after.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from apiward.scan._objects import Reader, item_path, state
from apiward.scan.changes import State, TargetChange, What, change
from apiward.scan.entries import Sender
from apiward.scan.fields import tokens
from apiward.scan.fitting import Sighting
from apiward.scan.identities import Identity
from apiward.scan.request import Request, Where
from apiward.scan.transport import Reply
from apiward.spec import Api, Operation

if TYPE_CHECKING:
    from apiward.scan.harvest import Harvest
    from apiward.scan.sessions import Sessions

COUNTS = frozenset(
    {"stock", "inventory", "available", "quantity", "qty", "seats", "capacity", "remaining",
     "left", "units"}
)  # fmt: skip
"""Words of a field that counts what an object has left to hand out."""


@dataclass(frozen=True, slots=True)
class Taken:
    """A count everybody shares that a creation takes from: ``field`` of the object
    ``(kind, value)``, as ``seen`` in a listing."""

    kind: str
    value: str
    field: str
    seen: Sighting

    def __str__(self) -> str:
        return f"the {self.field} of {self.kind} {self.value}"


def spent(harvest: Harvest, operation: Operation, request: Request) -> Taken | None:
    """The shared count ``request`` (a creation) may take from; None for none."""
    if operation.method.upper() != "POST":
        return None
    for slot in harvest.slots(operation):
        value = request.value(slot.where, slot.name) if slot.where is Where.BODY else None
        if value is None:
            continue
        seen = [
            s
            for s in harvest.sightings
            if str(s.value) == str(value) and harvest.fits(s, operation, slot)
        ]
        if any(harvest.is_owned(s) for s in seen):
            continue  # someone's own (an account's balance): not a count everybody shares
        for sighting in sorted(seen, key=lambda s: (s.kind, s.producer, s.identity)):
            field = counted(harvest.rows.row(sighting.kind, value))
            if field:
                return Taken(sighting.kind, str(value), field, sighting)
    return None


def counted(row: Mapping[str, Any] | None) -> str:
    """The first field of ``row`` that counts what its object has left (``stock: 12``)."""
    for name, value in sorted((row or {}).items()):
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        if numeric and COUNTS & set(tokens(str(name))):
            return str(name)
    return ""


@dataclass(frozen=True, slots=True)
class _Watched:
    taken: Taken
    read: Reader
    who: Identity | None
    before: Any


class Counts:
    """Each shared count the scan's creations took from, read before the first of them."""

    def __init__(self) -> None:
        self._watched: dict[tuple[str, str], asyncio.Task[_Watched | None]] = {}

    async def watch(self, taken: Taken, api: Api, sessions: Sessions) -> None:
        """Read ``taken``'s count once, before the first creation that takes from it."""
        key = (taken.kind, taken.value)
        if key not in self._watched:
            # One read for concurrent creations, and every one waits for it before it goes.
            self._watched[key] = asyncio.ensure_future(_first(taken, api, sessions))
        await asyncio.shield(self._watched[key])

    async def changes(self, sessions: Sessions) -> list[TargetChange]:
        """A *not restored* row for each count that reads otherwise after the restore."""
        rows = []
        for task in self._watched.values():
            watched = task.result() if task.done() and not task.exception() else None
            if watched is None:
                continue
            taken = watched.taken
            note = "restore: a count the scan's creations took from"
            reply = await sessions.send(watched.read.read, as_=watched.who, note=note)
            now = _count(watched.read, taken.field, reply)
            if now == watched.before:
                continue
            after = "could not be read" if now is None else f"is {now}"
            detail = (
                f"{taken} was {watched.before} before the scan's first creation that "
                f"takes from it and {after} after the restore: deleting what the scan made did "
                "not give it back"
            )
            by = Sender(identity=watched.who)
            rows.append(change(What.WRITTEN, watched.read.item, State.NOT_RESTORED, by, detail))
        return rows


async def _first(taken: Taken, api: Api, sessions: Sessions) -> _Watched | None:
    read = _reader(api, taken.seen)
    if read is None:
        return None
    who = next((i for i in sessions.identities if i.name == taken.seen.identity), None)
    note = "before a creation that takes from a count all share"
    before = _count(read, taken.field, await sessions.send(read.read, as_=who, note=note))
    return None if before is None else _Watched(taken, read, who, before)


def _reader(api: Api, seen: Sighting) -> Reader | None:
    """The object's own GET below the listing it was seen in, else that listing."""
    method, _, path = seen.producer.partition(" ")
    if method != "GET" or "{" in path:
        return None  # a nested listing: its parent's values are not kept
    listing = Request(method="GET", path=path)
    found = item_path(api, path)
    if found is not None and api.operation("GET", found[0]) is not None:
        item = Request(method="GET", path=found[0], path_params={found[1]: str(seen.value)})
        return Reader(read=item, item=item)
    return Reader(read=listing, item=listing, pick=str(seen.value))


def _count(read: Reader, field: str, reply: Reply) -> Any:
    shown = state(read, reply)
    return shown.get(field) if isinstance(shown, dict) else None
