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
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from apiward.scan.fields import tokens
from apiward.scan.request import Request, Where
from apiward.spec import Operation

if TYPE_CHECKING:
    from apiward.scan.harvest import Harvest

COUNTS = frozenset(
    {"stock", "inventory", "available", "quantity", "qty", "seats", "capacity", "remaining",
     "left", "units"}
)  # fmt: skip
"""Words of a field that counts what an object has left to hand out."""


def spent(harvest: Harvest, operation: Operation, request: Request) -> str:
    """The shared count ``request`` (a creation) may take from, in words; "" for none."""
    if operation.method.upper() != "POST":
        return ""
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
        for kind in sorted({s.kind for s in seen}):
            field = counted(harvest.rows.row(kind, value))
            if field:
                return f"the {field} of {kind} {value}"
    return ""


def counted(row: Mapping[str, Any] | None) -> str:
    """The first field of ``row`` that counts what its object has left (``stock: 12``)."""
    for name, value in sorted((row or {}).items()):
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        if numeric and COUNTS & set(tokens(str(name))):
            return str(name)
    return ""
