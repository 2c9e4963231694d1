"""What each object was last seen holding, and the choices a write makes from it.

The harvest keeps the row each listing or creation showed of an object (its own fields,
by the object's kind and id). A write on an object the scan did not make reads them, to
go where the restore phase can put it back. A field that held ``null`` is the one a
restore most often cannot set again: many validators turn a ``null`` sent for a string
into ``""`` (Fastify's coercion, a form library's string field) or refuse it, and the
object is left changed for good. So among the objects an identity may write
(:meth:`Rows.order`), a PUT or PATCH picks first those holding a value in every field
its body sets, and a PATCH leaves out an optional field the object holds as ``null``
(or does not show at all), or a state field its write would move (``status``), when
another field remains to write (:meth:`Rows.spare`). When every choice holds a null
there, the ledger withholds a write the contract could not undo (``scan._rewrites``).

A creation that names another object (a rental's bike, an order's listing) and was
refused for it is made again naming another (``scan.references``): first one whose row
says it is free (:meth:`Rows.free`), and one no creation of this scan named yet: a bike
the scan rented is no longer free, whatever its row said.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from typing import Any

from apiward.scan._objects import query_key
from apiward.scan.fields import state_moved
from apiward.scan.fitting import Sighting, Slot
from apiward.scan.request import Request, Where
from apiward.scan.synthesis import Synthesizer
from apiward.spec import Operation

_UPDATES = frozenset({"PUT", "PATCH"})
_FREE = re.compile(
    r"^(available|free|open|vacant|unbooked|unreserved|in[ _-]?stock|for[ _-]?sale|listed|idle"
    r"|active|published)$",
    re.IGNORECASE,
)
"""A status value that says the object may be taken (a bike ``available``, a desk ``free``)."""
_FLAG = re.compile(r"avail|in_?stock|bookable|rentable|for_?sale|(^|_)free$", re.IGNORECASE)
"""A yes/no field that says so (``available``, ``is_available``, ``inStock``)."""
_STATE = re.compile(r"(^|_)(status|state|availability)$", re.IGNORECASE)


class Rows:
    """The last row seen of each object, by kind and id."""

    def __init__(self, synthesizer: Synthesizer) -> None:
        self._synthesizer = synthesizer
        self._rows: dict[tuple[str, str], Mapping[str, Any]] = {}
        self._bodies: dict[str, Mapping[str, Any]] = {}
        self._named: set[tuple[str, str]] = set()

    def saw(self, kind: str, value: str | int, row: Mapping[str, Any]) -> None:
        """A listing or a creation showed the object ``(kind, value)`` as ``row``."""
        self._rows[(kind, str(value))] = row

    def row(self, kind: str, value: str | int) -> Mapping[str, Any] | None:
        """The object's last row seen (None: never seen whole)."""
        return self._rows.get((kind, str(value)))

    def order(self, operation: Operation, slot: Slot, seen: Sequence[Sighting]) -> list[Sighting]:
        """``seen`` with the objects a PUT or PATCH could be undone on first (the sort is stable).

        Only for the slot naming the object written (its last path id, or its query id):
        fewest fields of the body the object's row holds as null, or lacks, first.
        """
        if not self._writes_item(operation, slot):
            return list(seen)
        body = self._body(operation)
        return sorted(seen, key=lambda s: _unsure_fields(self.row(s.kind, s.value), body))

    def spare(self, operation: Operation, slot: Slot, request: Request, obj: Sighting) -> Request:
        """A PATCH naming ``obj`` in ``slot`` without the optional fields its object's row
        holds null or lacks; unchanged when that leaves nothing to write, or for another write."""
        row = self.row(obj.kind, obj.value)
        body = request.body
        if operation.method.upper() != "PATCH" or not self._writes_item(operation, slot):
            return request
        if row is None or not isinstance(body, dict):
            return request
        schema, _ = self._synthesizer.body_schema(operation)
        required = set((schema or {}).get("required", ()))
        kept = {
            k: v
            for k, v in body.items()
            if k in required or not (_unsure(row, k) or _moves_state(row, k, v))
        }
        return dataclasses.replace(request, body=kept) if kept and kept != body else request

    def named(self, kind: str, value: str | int) -> None:
        """A creation of this scan named the object ``(kind, value)`` (it may be taken now)."""
        self._named.add((kind, str(value)))

    def free(self, kind: str, value: str | int) -> int:
        """How likely the object is to be free to take: 0 its row says so, 1 it says nothing,
        2 a creation of this scan named it since, 3 its row says it is not."""
        said = [_says_free(k, v) for k, v in (self.row(kind, value) or {}).items()]
        if any(s is False for s in said):
            return 3
        if (kind, str(value)) in self._named:
            return 2
        return 0 if any(said) else 1

    def _writes_item(self, operation: Operation, slot: Slot) -> bool:
        if operation.method.upper() not in _UPDATES:
            return False
        by_query = slot.where is Where.QUERY and query_key(self._synthesizer.api, operation)
        return item_slot(operation, slot) or by_query == slot.name

    def _body(self, operation: Operation) -> Mapping[str, Any]:
        if operation.key not in self._bodies:
            body = self._synthesizer.request(operation).body
            self._bodies[operation.key] = body if isinstance(body, dict) else {}
        return self._bodies[operation.key]


def item_slot(operation: Operation, slot: Slot) -> bool:
    """True when ``slot`` names the object ``operation`` itself reads or writes: its last path id."""
    last = operation.path.rstrip("/").rsplit("/", 1)[-1]
    return slot.where is Where.PATH and last == "{" + slot.name + "}"


def _unsure_fields(row: Mapping[str, Any] | None, body: Mapping[str, Any]) -> int:
    return sum(1 for k in body if row is not None and _unsure(row, k))


def _unsure(row: Mapping[str, Any], name: str) -> bool:
    """True when a restore may not put ``name`` back: the row holds it null, or not at all."""
    return row.get(name) is None


def _moves_state(row: Mapping[str, Any], name: str, value: Any) -> bool:
    """True for a state field the write would move off the row's value, as the ledger judges
    it (``fields.state_moved``): many APIs never take a state back (the Go trial's PATCH set
    a seeded shipment's ``status``, so it was withheld)."""
    return bool(state_moved({name: value}, row))


def _says_free(name: str, value: Any) -> bool | None:
    """What field ``name`` = ``value`` says of whether the object may be taken (None: nothing)."""
    if isinstance(value, bool) and _FLAG.search(name):
        return value
    if isinstance(value, str) and _STATE.search(name):
        return bool(_FREE.match(value.strip()))
    return None
