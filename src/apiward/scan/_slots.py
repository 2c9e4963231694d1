"""Where an operation takes object ids: its slots (``scan.fitting.Slot``).

Every path parameter; a query parameter that is its collection's query id
(``scan._objects.query_key``), has an id-like name, or is named by the bare noun of a
collection (``?project=``: ``scan.fitting.noun_collection``); a top-level body field
with an id-like name that refers to an object, or named by such a noun; and the listing
filters found to name the caller by another word (``scan.filters``).
"""

from __future__ import annotations

from apiward.scan._kinds import item_keys
from apiward.scan._links import Links
from apiward.scan._objects import query_key, shown_names
from apiward.scan.accounts import holds_accounts
from apiward.scan.fields import is_recipient, names_owner, tokens
from apiward.scan.filters import Filters
from apiward.scan.fitting import (
    IDLIKE,
    KEYS,
    WEAK,
    Slot,
    item_nouns,
    noun_collection,
    nouns_of,
    refers,
)
from apiward.scan.request import Where
from apiward.scan.resources import resource_of
from apiward.scan.synthesis import Synthesizer
from apiward.spec import Operation, Parameter, ParameterLocation, Schema, json_types

_PERSONS = frozenset(
    {"assignee", "reviewer", "approver", "requester", "reporter", "author", "agent", "handler"}
)
"""Words of a field that names a person by role (``assigneeId``): someone of the people's."""


class Slots:
    """An API's slots, operation by operation."""

    def __init__(self, synthesizer: Synthesizer, filters: Filters, links: Links) -> None:
        self._synthesizer = synthesizer
        self._filters = filters
        self._links = links
        self._nouns = nouns_of(synthesizer.api)
        self._item_nouns = item_nouns(synthesizer.api)
        self._people = next(
            (
                c
                for op in synthesizer.api.operations
                if holds_accounts(c := resource_of(op.path)[0])
            ),
            "",
        )
        """The collection of people, where no item path has one (``GET /orgs/{id}/users``)."""
        self._keys = item_keys(synthesizer.api, KEYS)
        """Each collection's item path parameter, where it is not a bare id (``slug``)."""

    def of(self, operation: Operation) -> tuple[Slot, ...]:
        """Where ``operation`` takes object ids; a query id names its collection's item."""
        key = query_key(self._synthesizer.api, operation)
        filtered = self._filters.slots(operation)
        taken = {s.name for s in filtered}
        found = [
            slot
            for p in operation.parameters
            if (slot := self._parameter(operation, p, key, taken)) is not None
        ]
        return (*found, *self._body(operation), *filtered)

    def _parameter(
        self, operation: Operation, p: Parameter, key: str | None, taken: set[str]
    ) -> Slot | None:
        """A path parameter, a query id, or a query parameter named id-like or by a noun.

        A noun's (``?project=``) yields to a filter found to name the caller (``taken``):
        what the rows showed outweighs the name.
        """
        collection = ""
        if p.location is ParameterLocation.PATH:
            # A link's (``/work-orders/{id}/parts/{line_id}``) is of its own kind: ``scan._links``.
            collection = self._links.collection_of(operation.path, p.name) or ""
        elif p.location is not ParameterLocation.QUERY:
            return None
        elif p.name == key:
            collection = resource_of(operation.path)[0]
        elif not IDLIKE.search(p.name):
            schema = self._synthesizer.api.deref(p.schema)
            collection = noun_collection(p.name, schema, self._item_nouns)
            people = "" if collection else self._owner(p, schema)
            # A filter of rows that show a name (``owner: "alice"``) takes no number: an id too.
            if not (collection or people) or (p.name in taken and not people):
                return None
            collection = collection or people
        where = Where(p.location.value)
        noun = where is Where.QUERY and p.name != key and not IDLIKE.search(p.name)
        item = self._keys.get(collection, "") if noun else ""
        return Slot(where=where, name=p.name, schema=p.schema, collection=collection, key=item)

    def _owner(self, p: Parameter, schema: Schema) -> str:
        """The people's collection for a numeric filter named as an owner (``?owner=5``: "only
        the tickets of this user", the DRF trial's, which any member could send), or ``""``."""
        numeric = "integer" in json_types(schema) or schema.get("format") == "uuid"
        if not numeric or not names_owner(p.name):
            return ""
        return next((c for c in self._item_nouns.values() if holds_accounts(c)), "")

    def _addressee(self, name: str, schema: Schema) -> str:
        """The people's collection for a recipient or another person named by id
        (``recipient_id``, ``toUserId``, ``assigneeId``: a person, whose own id its profile
        path takes, or its org's member listing gives), or ``""``."""
        numeric = "integer" in json_types(schema) or schema.get("format") == "uuid"
        person = is_recipient(name) or bool(_PERSONS & set(tokens(name)))
        if not numeric or not person or not IDLIKE.search(name):
            return ""
        found = next((c for c in self._item_nouns.values() if holds_accounts(c)), "")
        return found or self._people

    def _body(self, operation: Operation) -> list[Slot]:
        """Top-level body fields that name an object, not the one a creation makes nor read-only."""
        found = []
        schema, _ = self._synthesizer.body_schema(operation)
        for name, sub in (schema or {}).get("properties", {}).items():
            sub = self._synthesizer.api.deref(sub)
            if sub.get("readOnly"):
                continue  # the server's to fill (a DRF ``user`` set from the caller): never sent
            noun = noun_collection(name, sub, self._item_nouns) or self._addressee(name, sub)
            if not noun and (not IDLIKE.search(name) or not refers(name, self._nouns)):
                continue
            if name.lower() in WEAK and name in shown_names(self._synthesizer.api, operation):
                continue  # a course's own ``code``, as its answer shows it: no other object
            if not self._synthesizer.names_new_object(operation, name):
                key = self._keys.get(noun, "")
                found.append(
                    Slot(where=Where.BODY, name=name, schema=sub, collection=noun, key=key)
                )
        return found
