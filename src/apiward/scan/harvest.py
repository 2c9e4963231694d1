"""Resource harvesting: which object ids each identity can see, and where each id fits.

*Producers* are listings (GET without path parameters) and creations (POST on a
collection documented with 201 or an id in its answer). They run first, per identity
and once anonymously, and every id-like value in their answers is recorded as a
:class:`Sighting` (which identity saw it, under which field, from which resource).
*Slots* are the places an operation takes an id: every path parameter, and query
parameters and top-level body fields with id-like names.

A sighting fits a slot when (no fixed list of names):

* the field *is* the slot's name (``card_ref`` → ``{card_ref}``), or
* the slot's name ends with resource + field (``from_account_id`` ← ``id`` of ``/accounts``), or
* the slot is the path parameter right after the producer's collection segment
  (``/accounts/{x}`` ← ``id`` of ``GET /accounts``),

and its value fits the slot's schema (integers for integers, UUIDs for ``format: uuid``).

*Ownership*: an object is **owned** by identity A when A saw it and neither an identity
with A's role nor an anonymous request did. Public objects are never anyone's, so a
check cannot mistake reading a shared catalogue for BOLA.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from apiward.scan import envelope
from apiward.scan.identities import Identity
from apiward.scan.request import Request, Where
from apiward.scan.resources import collection_of, resource_of
from apiward.scan.resources import norm as _norm
from apiward.scan.synthesis import Synthesizer
from apiward.scan.transport import Reply
from apiward.spec import Operation, ParameterLocation, Schema

_IDLIKE = re.compile(
    r"(^|[_-])(id|uuid|guid|ref|key|code|slug|username|handle)$|[a-z](Id|Uuid|Ref|Key|Code)$"
)
_ANONYMOUS = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Sighting:
    """An id-like value an identity (``""`` for anonymous) saw in a producer's answer."""

    identity: str
    value: str | int
    field: str
    resource: str
    producer: str
    collection: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Slot:
    """A place in an operation's request that takes an object id."""

    where: Where
    name: str
    schema: Schema


def is_producer(operation: Operation, logins: set[str]) -> bool:
    """True for listings and creations, which run before everything else."""
    if operation.key in logins or operation.path.rstrip("/").endswith("}"):
        return False
    if operation.method == "GET":
        return not any(p.location is ParameterLocation.PATH for p in operation.parameters)
    return operation.method == "POST" and "201" in operation.responses


class Harvest:
    """Everything the producers showed, by identity, and the slots of every operation."""

    def __init__(self, synthesizer: Synthesizer) -> None:
        self.synthesizer = synthesizer
        self.sightings: list[Sighting] = []
        self._roles: dict[str, str] = {}

    def record(self, identity: Identity | None, operation: Operation, reply: Reply) -> None:
        """Learn the ids in a producer's 2xx answer (and ``Location`` header)."""
        if not reply.ok:
            return
        who = identity.name if identity is not None else _ANONYMOUS
        if identity is not None:
            self._roles[who] = identity.role
        collection, resource = resource_of(operation.path)
        items = envelope.objects(reply.data)
        one = envelope.single(reply.data) if items is None else None
        for item in items if items is not None else ([one] if one is not None else []):
            for key, value in _idlike_fields(item, resource, everything=one is not None):
                self._add(who, value, key, resource, operation.key, collection)
        location = reply.header("location")
        if location:
            self._add(
                who,
                location.rstrip("/").rsplit("/", 1)[-1],
                "id",
                resource,
                operation.key,
                collection,
            )

    def _add(
        self, who: str, value: str | int, key: str, resource: str, producer: str, collection: str
    ) -> None:
        sighting = Sighting(
            identity=who,
            value=value,
            field=key,
            resource=resource,
            producer=producer,
            collection=collection,
        )
        if sighting not in self.sightings:
            self.sightings.append(sighting)

    def slots(self, operation: Operation) -> tuple[Slot, ...]:
        """Where ``operation`` takes object ids."""
        found = [
            Slot(where=Where(p.location.value), name=p.name, schema=p.schema)
            for p in operation.parameters
            if p.location is ParameterLocation.PATH
            or (p.location is ParameterLocation.QUERY and _IDLIKE.search(p.name))
        ]
        schema, _ = self.synthesizer.body_schema(operation)
        for name, sub in (schema or {}).get("properties", {}).items():
            if _IDLIKE.search(name):
                found.append(
                    Slot(where=Where.BODY, name=name, schema=self.synthesizer.api.deref(sub))
                )
        return tuple(found)

    def seen(self, identity: Identity, operation: Operation, slot: Slot) -> list[Sighting]:
        """Values ``identity`` saw that fit ``slot`` of ``operation``, owned ones first."""
        fitting = [
            s for s in self.sightings if s.identity == identity.name and _fits(s, operation, slot)
        ]
        owned = [s for s in fitting if self.is_owned(s)]
        return owned + [s for s in fitting if s not in owned]

    def owned(self, identity: Identity, operation: Operation, slot: Slot) -> list[Sighting]:
        """Values that fit ``slot`` and belong to ``identity`` alone among its peers."""
        return [s for s in self.seen(identity, operation, slot) if self.is_owned(s)]

    def is_owned(self, sighting: Sighting) -> bool:
        """Neither an anonymous request nor a same-role identity saw this value."""
        role = self._roles.get(sighting.identity)
        return not any(
            other.value == sighting.value
            and other.identity != sighting.identity
            and (other.identity == _ANONYMOUS or self._roles.get(other.identity) == role)
            for other in self.sightings
        )

    def baseline(self, base: Request, operation: Operation, identity: Identity) -> Request:
        """``base`` with every slot filled by a value ``identity`` saw (distinct where possible)."""
        used: set[str | int] = set()
        for slot in self.slots(operation):
            choices = self.seen(identity, operation, slot)
            pick = next(
                (s for s in choices if s.value not in used), choices[0] if choices else None
            )
            if pick is not None:
                used.add(pick.value)
                base = base.with_param(slot.where, slot.name, pick.value)
        return base

    def counts(self) -> Mapping[str, int]:
        """Sightings per identity (anonymous under ``anonymous``)."""
        out: dict[str, int] = {}
        for s in self.sightings:
            out[s.identity or "anonymous"] = out.get(s.identity or "anonymous", 0) + 1
        return out


def _idlike_fields(
    item: Mapping[str, Any], resource: str, *, everything: bool
) -> Iterable[tuple[str, str | int]]:
    """Primary-key-like fields of an object; every id-like field when it is the caller's own record."""
    for key, value in item.items():
        if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
            continue
        if isinstance(value, str) and len(value) > 200:
            continue
        primary = key == "id" or (_IDLIKE.search(key) and _norm(key).startswith(_norm(resource)))
        if primary or (everything and _IDLIKE.search(key)):
            yield key, value


def _fits(sighting: Sighting, operation: Operation, slot: Slot) -> bool:
    return _names_match(sighting, operation, slot) and _type_fits(sighting.value, slot.schema)


def _names_match(sighting: Sighting, operation: Operation, slot: Slot) -> bool:
    if sighting.field != "id" and _norm(sighting.field) == _norm(slot.name):
        return True
    if _norm(slot.name).endswith(_norm(sighting.resource + sighting.field)):
        return True
    if slot.where is not Where.PATH or sighting.field != "id":
        return False
    return collection_of(operation.path, slot.name) == sighting.collection


def _type_fits(value: str | int, schema: Schema) -> bool:
    kind = schema.get("type")
    if kind == "integer":
        return isinstance(value, int) or (isinstance(value, str) and value.isdigit())
    if schema.get("format") == "uuid":
        try:
            uuid.UUID(str(value))
        except ValueError:
            return False
    return True
