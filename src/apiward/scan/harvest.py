"""Resource harvesting: which objects each identity can see or owns, and where each id fits.

*Producers* (``scan.producers``: listings and creations) run first, per identity and
once anonymously (listings only). Their answers are read inside any envelope
(``scan.envelope``) and each object's values that some slot of the API could take are
recorded as a :class:`Sighting` (who saw it, under which field, of which resource):
its primary key, every field named like a path parameter (``username``, ``title`` for
``{book_title}``, ``email``), and for a single object (the caller's own record, a
creation's answer) every id-like field. *Slots* are the places an operation takes an
id: every path parameter, query parameters and top-level body fields with id-like
names, and listing filters found to name the caller by another word (``?grower=alma``:
``scan.filters``); ``scan.fitting`` says which sightings fit which slot.

*Ownership* is decided within a resource type (the sighting's ``kind``): the public menu
item 1 says nothing about order 1, nor a line booked onto a work order
(``/work-orders/{id}/parts``, a collection of links: ``scan._links``) about catalogue part 1. An object is **owned** by identity A when

* A *claimed* it: A's creation answered it (or it appeared in the collection's listing
  right after A's creation), it is A's own id (``record_own``, from the login), or its
  owner field holds A's own id or name — even if a listing shows it to others, unless a
  peer claims it too; or
* A saw it and neither an identity with A's role nor an anonymous request did.

For a *write* sent as A's own (``mine``) the second case is narrower: every other identity
that saw it must oversee A (another role ranked above A, or, unranked, one that saw every
object of the type A saw and more): a customer's object an admin sees is not the admin's.

What an identity sees in a listing the contract marks as a higher role's ("Admin
only.", ``/admin/``: ``record(beyond=True)``) may be a leak, not its to see: it is kept
to send, but never makes an object the viewer's, a peer's not, or a collection shared.

Objects seen by all and claimed by none (a shared board, a public catalogue) are
nobody's, so a check cannot mistake reading them for BOLA. A resource type is
**shared** (:meth:`Harvest.shared`) when its collection's listing does not differ per
caller: every identity (two at least) saw the same objects there before the scan made
any, and none of them is claimed. An object the scan creates in a shared collection
(a supplier, a catalogue product) is shared too, not its creator's: it would show up
in every peer's listing like the others, so a peer reading it is no finding.
Where each caller's listing shows only its own objects (orders), or the objects name an
owner, creations stay the creator's; so do those made under a parent some identity never
saw (a comment on a private recipe), however alike the comments of public ones are listed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from apiward.scan import envelope
from apiward.scan._kinds import (
    item_collections,
    itemised,
    listed_ids,
    numbered_kinds,
    people_kind,
    sign_up_kinds,
    surrogate,
)
from apiward.scan._links import Links
from apiward.scan._near import nearest_first
from apiward.scan._slots import Slots
from apiward.scan.accounts import holds_accounts
from apiward.scan.fields import names_owner, own_scalars, owner_values, who_values
from apiward.scan.filters import Filters
from apiward.scan.fitting import IDLIKE, KEYS, Sighting, Slot, fits, is_primary, key_names, kind_of
from apiward.scan.identities import Identity
from apiward.scan.listed import Listed
from apiward.scan.openness import declared_public
from apiward.scan.own_state import asks_id
from apiward.scan.request import Request, Where
from apiward.scan.resources import names_caller, norm, resource_of, singular
from apiward.scan.rows import Rows
from apiward.scan.synthesis import Synthesizer
from apiward.scan.transport import Reply
from apiward.scan.wrapped import inside
from apiward.spec import Operation

__all__ = ["ANYONE", "Harvest", "Sighting", "Slot", "resource_of"]

_ANONYMOUS = ""
ANYONE = Identity(name=_ANONYMOUS)
"""Whoever sends no credential: what its requests saw, for ``seen`` and ``baseline``."""


class Harvest:
    """Everything the producers showed, by identity, and the slots of every operation."""

    def __init__(
        self,
        synthesizer: Synthesizer,
        public: Callable[[Operation], bool] = declared_public,
        links: Links | None = None,
    ) -> None:
        """``public``: who may call what (``scan.openness``); ``links``: the ledger's, shared."""
        self.synthesizer = synthesizer
        self.sightings: list[Sighting] = []
        # Indexes beside the list, so a 100,000-item listing costs linear time, not quadratic.
        self._known: set[Sighting] = set()
        self._objects: dict[tuple[str, str], list[Sighting]] = {}
        self.anonymous: dict[str, Reply] = {}
        """Answers to the listings sent anonymously, by operation (``auth_bypass`` reuses them)."""
        self.records: dict[str, dict[str, str | int]] = {}
        """Each identity's own record: what a GET naming no object answered it (``/me``)."""
        self._roles: dict[str, str] = {}
        self._ranks: dict[str, int | None] = {}
        self._views: dict[tuple[str, frozenset[str]], frozenset[tuple[str, str]]] = {}  # _view's
        self._fields: dict[str, set[str]] = {}
        self._claims: dict[tuple[str, str], set[str]] = {}
        self._made: set[tuple[str, str]] = set()  # claimed as the scan made them
        self.own_names: dict[str, set[str]] = {}
        """What names each identity itself: its login's ids, its own record's id and names."""
        self._owners: set[str] = set()
        """Resources whose objects name an owner (``owner``, ``user_id``): never shared."""
        self._shared: dict[str, tuple[tuple[int, int, int], bool]] = {}
        self._listed: dict[str, list[Sighting]] = {}  # a collection's own objects, by kind
        self._beyond: set[Sighting] = set()
        """Sightings in listings marked as a higher role's than the viewer's (``record``)."""
        self.links = links or Links(synthesizer.api)
        """Nested collections of links (``/work-orders/{id}/parts``): kinds of their own."""
        params = item_collections(synthesizer.api, self.links.collection_of)
        # Not a bare ``id``: every ``/{collection}/{id}`` takes one (Feathers' channels took users').
        self._item_kinds = {norm(p): singular(c) for p, c in params.items() if norm(p) not in KEYS}
        self._collections = {
            singular(c): c for c in itemised(synthesizer.api, self.links.collection_of)
        }
        self._wanted = frozenset(n for p, c in params.items() for n in key_names(p, singular(c)))
        self._numbered = numbered_kinds(synthesizer.api, self.links.collection_of)
        self._signs_up = sign_up_kinds(synthesizer.api, public) & set(self._collections)
        self.filters = Filters(synthesizer.api)
        self._slots = Slots(synthesizer, self.filters, self.links)
        self.lists = Listed(keep=self.filters.keeps, collection_of=self.links.collection_of)
        """What each identity sees in listings it is entitled to; each object's parents."""
        self.rows = Rows(synthesizer)  # each object's last row: what a write should spare

    def record(
        self,
        identity: Identity | None,
        operation: Operation,
        reply: Reply,
        *,
        created: bool = False,
        entitled: bool = False,
        beyond: bool = False,
    ) -> list[Sighting]:
        """Learn the values in a producer's 2xx answer (and ``Location`` header).

        ``created``: ``operation`` created the object, so ``identity`` claims its keys.
        ``entitled``: a listing ``identity`` may read by design (``scan.listed``): its rows
        are what it sees of each object. ``beyond``: a read the contract marks as a higher
        role's: its values are kept to send, never to decide whose an object is, nor the
        caller's own record (the Express trial's admin dashboard, ``bookings: 5``)."""
        if not reply.ok:
            return []
        who = self._who(identity)
        # An answer wrapped as its body was ({"user": {...}, "token": ...}): the object is inside.
        data = inside(self.synthesizer.api, reply.sent, reply.data)
        items = envelope.objects(data)
        one = envelope.single(data) if items is None else None
        for item in items if items is not None else ([one] if one is not None else []):
            self.links.learn(operation.path, item)  # before its kind is given (``scan._links``)
        collection, resource = self.links.resource_of(operation.path)
        signed_up = created and resource in self._signs_up  # a new person: no sender's own
        who = _ANONYMOUS if signed_up else who
        found: list[Sighting] = []
        own_read = operation.method == "GET" and not asks_id(operation) and not beyond
        if one is not None and who and own_read:
            scalar = own_scalars(one)  # and what its memberships name (``orgSlug``)
            own = {k: v for k, v in scalar.items() if not isinstance(v, bool)}
            self.records.setdefault(who, {}).update(own)
            me = names_caller(operation.path.rstrip("/").rsplit("/", 1)[-1])
            if identity is not None and me:
                self.own_names.setdefault(who, set()).update(who_values(own))
            if identity is not None and me and isinstance(own.get("id"), str | int):
                found.append(self.record_own(identity, "id", own["id"]))
        for item in items if items is not None else ([one] if one is not None else []):
            self._fields.setdefault(collection, set()).update(norm(k) for k in item)
            if any(names_owner(k) for k in item):
                self._owners.add(resource)
            listed = listed_ids(item, self._collections)  # an order's "tickets": [...]
            mine = [self._add(who, v, "id", k, operation.key, c) for k, c, v in listed]
            found += mine
            for key, value in self._recorded(item, resource, everything=one is not None):
                sighting = self._add(who, value, key, resource, operation.key, collection, beyond)
                found.append(sighting)
                mine += [sighting] if sighting.kind == resource else []
                if sighting.kind == resource:
                    self.lists.under(resource, value, reply.sent)
                    self.rows.saw(resource, value, item)
                    if entitled and not beyond and items is not None:
                        self.lists.add(who, resource, value, item)
            whose = self.named_owners(item)  # ``owner_id`` = one identity's own id: that one's
            if len(whose) == 1 and not beyond:
                self._claim(whose[0], mine)
        location = reply.header("location")
        if location:
            value = location.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
            found.append(self._add(who, value, "id", resource, operation.key, collection))
        if created and not signed_up:
            self._claim(who, [s for s in found if s.kind == resource], made=True)
        return found

    def record_new(
        self, identity: Identity, listing: Operation, before: Reply, after: Reply
    ) -> list[Sighting]:
        """Claim for ``identity`` the objects ``after`` lists and ``before`` did not (its creation)."""
        if not before.ok:
            return []
        old = {(s.field, str(s.value)) for s in self.record(identity, listing, before)}
        new = [
            s for s in self.record(identity, listing, after) if (s.field, str(s.value)) not in old
        ]
        self._claim(identity.name, [s for s in new if s.kind == s.resource], made=True)
        return new

    def named_owners(self, item: Mapping[str, Any]) -> list[str]:
        """The identities ``item``'s owner fields name (``owner_id`` holding one's own id)."""
        owners = owner_values(item)
        return [n for n, own in self.own_names.items() if owners & own]

    def record_own(self, identity: Identity, field: str, value: str | int) -> Sighting:
        """Record ``value`` (under ``field``, from the login) as ``identity``'s own id.

        A number or UUID under a name no slot takes (a session's ``uid``, a token's
        ``sub``), when the contract addresses that resource by numbers or UUIDs, is the
        primary key of the identity's own object: it is recorded as ``id``.
        """
        kind = people_kind(field, self._item_kinds, self._collections, self._signs_up)
        collection = self._collections.get(kind, kind)
        named = norm(field) in self._wanted or is_primary(field, kind) or self.filters.takes(field)
        generated = kind in self._numbered and surrogate(value)
        key = "id" if generated and not named else field
        sighting = self._add(self._who(identity), value, key, kind, "login", collection)
        self._claim(identity.name, [sighting])
        self.own_names.setdefault(identity.name, set()).add(str(value))
        return sighting

    def slots(self, operation: Operation) -> tuple[Slot, ...]:
        """Where ``operation`` takes object ids (``scan._slots``)."""
        return self._slots.of(operation)

    def fits(self, sighting: Sighting, operation: Operation, slot: Slot) -> bool:
        """True when ``sighting`` can fill ``slot`` of ``operation`` (see ``scan.fitting``)."""
        return fits(sighting, operation, slot, self._fields.get(sighting.collection, ()))

    def seen(self, identity: Identity, operation: Operation, slot: Slot) -> list[Sighting]:
        """Values ``identity`` saw that fit ``slot`` of ``operation``, owned ones first, once each.

        What it made in a shared collection comes first too: nobody's data, yet the object a
        write of its own may change; of the rest, the nearest to it (``scan._near``: its own
        tenant's). Then what a PUT or PATCH could be undone on (``scan.rows``).
        """
        who = identity.name
        fitting = [s for s in self.sightings if s.identity == who and self.fits(s, operation, slot)]
        mine = {s for s in fitting if self.is_owned(s) or self._made_by(s)}
        owned, others = [s for s in fitting if s in mine], [s for s in fitting if s not in mine]
        people = set(self._roles)
        others = nearest_first(others, self.records.get(who, {}), self.lists, people, self._beyond)
        once: dict[str, Sighting] = {}
        for s in self.rows.order(operation, slot, owned) + self.rows.order(operation, slot, others):
            once.setdefault(str(s.value), s)
        return list(once.values())

    def owned(self, identity: Identity, operation: Operation, slot: Slot) -> list[Sighting]:
        """Values that fit ``slot`` and belong to ``identity`` alone among its peers."""
        return [s for s in self.seen(identity, operation, slot) if self.is_owned(s)]

    def is_owned(self, sighting: Sighting) -> bool:
        """``sighting``'s identity claimed the object, or no peer and no anonymous request saw it."""
        role = self._roles.get(sighting.identity)
        claimants = self._claimants(sighting.kind, sighting.value)
        if sighting in self._beyond and sighting.identity not in claimants:
            return False  # seen where only a higher role may look: not the viewer's own
        if sighting.identity in claimants:
            if self._made_shared(sighting):
                return False  # made in a collection everyone sees alike: shared like the rest
            return not any(self._roles.get(c) == role for c in claimants - {sighting.identity})
        if claimants or self.shared(sighting.kind):
            return False  # another's, or listed alike to every identity: nobody's
        return not any(
            other.identity == _ANONYMOUS or self._roles.get(other.identity) == role
            for other in self._same(sighting)
            if other.identity != sighting.identity
        )

    def shared(self, kind: str) -> bool:
        """True when every identity (two at least) saw the same unclaimed objects of ``kind``.

        Only the collection's own objects count (``kind == resource``: the suppliers a
        supplier listing shows, not the ``supplier_id`` of an order), and only unclaimed
        ones, so what the scan created or an identity's own record does not tell. An
        identity that saw none there (refused the listing, or an empty one) makes the
        collection not shared: equal empty listings say nothing. Nor is one whose objects
        name an owner (``fields.names_owner``): listed to all, yet each is someone's (a
        book's owner may keep its details to themselves), nor a collection of people: a
        user directory lists everyone to everyone, and each record is still that person's.
        """
        people = set(self._roles)
        if len(people) < 2 or kind in self._owners or holds_accounts(kind):
            return False
        version = (len(people), len(self._listed.get(kind, ())), len(self._claims))
        cached = self._shared.get(kind)
        if cached is not None and cached[0] == version:
            return cached[1]
        objects: dict[str, set[tuple[str, str]]] = {who: set() for who in people}
        for s in self._listed.get(kind, ()):
            if s.identity in objects and (s.kind, str(s.value)) not in self._claims:
                objects[s.identity].add((s.field, str(s.value)))
        first = next(iter(objects.values()))
        answer = bool(first) and all(seen == first for seen in objects.values())
        self._shared[kind] = (version, answer)
        return answer

    def public(self, sighting: Sighting) -> bool:
        """True when an anonymous request saw the object ``sighting`` names."""
        return any(other.identity == _ANONYMOUS for other in self._same(sighting))

    def private(self, sighting: Sighting) -> bool:
        """True when ``sighting``'s identity owns the object and neither an anonymous request
        nor another identity of its role saw it: its own, not published to its like."""
        role = self._roles.get(sighting.identity)
        return self.is_owned(sighting) and not any(
            other.identity == _ANONYMOUS or self._roles.get(other.identity) == role
            for other in self._same(sighting)
            if other.identity != sighting.identity
        )

    def holders(self, operation: Operation, slot: Slot, value: str | int) -> frozenset[str]:
        """Who ``value`` in ``slot`` belongs to: its claimants, else everyone who saw it."""
        same = self._counted(value)
        kinds = {s.kind for s in same if self.fits(s, operation, slot)}
        if kinds:
            same = [s for s in same if s.kind in kinds]
        claimants = {c for s in same for c in self._claimants(s.kind, value)}
        return frozenset(claimants or {s.identity for s in same})

    def mine(self, identity: Identity, operation: Operation, slot: Slot, value: str | int) -> bool:
        """True when ``value`` in ``slot`` is ``identity``'s own object, for writing it.

        Claimed by it alone; or claimed by nobody and seen by it, by no peer, not
        anonymously, and otherwise only by identities that *oversee* it (a manager listing
        every clerk's orders): seeing everyone's objects does not make them the manager's.
        """
        who = identity.name
        same = self._counted(value)
        kinds = {s.kind for s in same if self.fits(s, operation, slot)} or {s.kind for s in same}
        same = [s for s in same if s.kind in kinds]
        claimants = {c for s in same for c in self._claimants(s.kind, value)}
        if claimants:
            return claimants == {who}
        others = {s.identity for s in same} - {who}
        seen = any(s.identity == who for s in same)
        return seen and all(self._oversees(o, who, kinds) for o in others)

    def _oversees(self, other: str, who: str, kinds: set[str]) -> bool:
        """True when ``other`` sees ``who``'s objects from above: another role, higher up.

        Ranked above it, when the identities file ranks both; else seeing every object of
        these kinds that ``who`` sees (its claims aside) and more: its peers' too.
        """
        if other == _ANONYMOUS or self._roles.get(other) == self._roles.get(who):
            return False
        mine, theirs = self._ranks.get(who), self._ranks.get(other)
        if mine is not None and theirs is not None:
            return theirs > mine
        return self._view(who, kinds) < self._view(other, kinds)

    def _view(self, who: str, kinds: set[str]) -> frozenset[tuple[str, str]]:
        """The objects of ``kinds`` ``who`` saw that nobody claims."""
        key = (who, frozenset(kinds))
        if key not in self._views:
            self._views[key] = frozenset(
                obj
                for obj, seen in self._objects.items()
                if obj[0] in kinds
                and obj not in self._claims
                and any(s.identity == who for s in seen)
            )
        return self._views[key]

    def filled(self, operation: Operation) -> list[Slot]:
        """The slots :meth:`baseline` fills: not an optional query id or filter."""
        optional = {p.name for p in operation.parameters if not p.required}
        return [
            s
            for s in self.slots(operation)
            if not (s.where is Where.QUERY and (s.collection or s.field) and s.name in optional)
        ]

    def baseline(self, base: Request, operation: Operation, identity: Identity) -> Request:
        """``base`` with every slot filled by a value ``identity`` saw (distinct where possible),
        the deepest path id (the item a path ends in, or the parent of a nested listing: the
        Sanic trial's tasks had been listed under another workspace than their project's)
        under the parents it was seen under. Not an optional query id (``GET /loans?id=``) or
        filter (``?grower=``). A PATCH leaves out what its object holds null (``scan.rows``)."""
        used: set[str | int] = set()
        deepest, item = -1, None
        for slot in self.filled(operation):
            choices = self.seen(identity, operation, slot)
            pick = next((s for s in choices if s.value not in used), next(iter(choices), None))
            if pick is not None:
                used.add(pick.value)
                base = base.with_param(slot.where, slot.name, pick.value)
                base = self.rows.spare(operation, slot, base, pick)
                at = operation.path.find(f"{{{slot.name}}}") if slot.where is Where.PATH else -1
                deepest, item = (at, (slot.name, pick)) if at > deepest else (deepest, item)
        if item is not None:  # the item under the parents it was seen under, not the first seen
            base = self.lists.place(base, operation, item[0], item[1].kind, item[1].value)
        return base

    def counts(self) -> Mapping[str, int]:
        """Sightings per identity (anonymous under ``anonymous``)."""
        out: dict[str, int] = {}
        for s in self.sightings:
            out[s.identity or "anonymous"] = out.get(s.identity or "anonymous", 0) + 1
        return out

    def _who(self, identity: Identity | None) -> str:
        if identity is None:
            return _ANONYMOUS
        self._roles[identity.name] = identity.role
        self._ranks[identity.name] = identity.rank
        return identity.name

    def _add(
        self, who: str, value: str | int, key: str, resource: str, producer: str, collection: str,
        beyond: bool = False,
    ) -> Sighting:  # fmt: skip
        sighting = Sighting(
            identity=who,
            value=value,
            field=key,
            resource=resource,
            producer=producer,
            collection=collection,
            kind=kind_of(key, resource, self._item_kinds),
        )
        if sighting not in self._known:
            self._known.add(sighting)
            self.sightings.append(sighting)
            if beyond:  # sent, never counted: not in the indexes ownership is decided from
                self._beyond.add(sighting)
                return sighting
            self._objects.setdefault((sighting.kind, str(value)), []).append(sighting)
            self._views.clear()
            if sighting.kind == resource:
                self._listed.setdefault(resource, []).append(sighting)
        return sighting

    def _claim(self, who: str, sightings: Iterable[Sighting], *, made: bool = False) -> None:
        self._views.clear()
        for s in sightings:
            self._claims.setdefault((s.kind, str(s.value)), set()).add(who)
            if made:
                self._made.add((s.kind, str(s.value)))

    def _made_by(self, sighting: Sighting) -> bool:
        """True when ``sighting``'s identity made the object in a shared collection."""
        claimants = self._claimants(sighting.kind, sighting.value)
        return sighting.identity in claimants and self._made_shared(sighting)

    def _made_shared(self, sighting: Sighting) -> bool:
        """True when the scan made the object in a shared collection and no login claims it.

        Under a parent (a comment on a recipe), only when every identity saw that parent:
        comments listed alike under public recipes do not make one under a recipe only
        its owner sees anyone's.
        """
        key = (sighting.kind, str(sighting.value))
        if key not in self._made or any(s.producer == "login" for s in self._objects.get(key, ())):
            return False
        people = set(self._roles)
        for collection, value in self.lists.parents(*key).items():
            seen = self._objects.get((singular(collection), value), ())
            if not people <= {s.identity for s in seen}:
                return False
        return self.shared(sighting.kind)

    def _counted(self, value: str | int) -> list[Sighting]:
        """Sightings of ``value`` that tell who may see it: none in a listing above the viewer."""
        return [s for s in self.sightings if str(s.value) == str(value) and s not in self._beyond]

    def _claimants(self, kind: str, value: str | int) -> set[str]:
        return set(self._claims.get((kind, str(value)), ()))

    def _same(self, sighting: Sighting) -> list[Sighting]:
        """Sightings of the same object: same value, same resource type."""
        return self._objects.get((sighting.kind, str(sighting.value)), [])

    def _recorded(
        self, item: Mapping[str, Any], resource: str, *, everything: bool
    ) -> Iterable[tuple[str, str | int]]:
        """The values of an object some slot could take; every id-like one of a single object."""
        for key, value in item.items():
            if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
                continue
            if isinstance(value, str) and len(value) > 200:
                continue
            wanted = is_primary(key, resource) or norm(key) in self._wanted
            if wanted or (everything and IDLIKE.search(key)):
                yield key, value
