"""Where a harvested value fits: sightings, slots, and the rules that join them.

A :class:`Sighting` is a value an identity saw under a field of a resource's object; a
:class:`Slot` is a place an operation takes an object id. A sighting fits a slot when
its value fits the slot's schema (integers for integers, UUIDs for ``format: uuid``)
and one of these holds (no fixed list of names):

* the field *is* the slot's name and looks like an id (``card_ref`` → ``{card_ref}``);
* the slot's name ends with resource + field (``from_account_id`` ← ``id`` of ``/accounts``);
* the slot is a path parameter of the sighting's collection (``/books/v1/{book_title}``
  ← a book), or its query id (``DELETE /books?id=``), and the field is the one it takes:
  the field named like the parameter (``book_title`` or, the resource's word dropped,
  ``title``), else — when the collection's objects have no such field — the object's
  primary key (``id``);
* the slot is a body or query field named by the bare noun of a collection whose items have
  a path (``"project": 2`` or ``?project=2`` beside ``/projects/{id}``, as Django REST
  Framework writes a foreign key: :func:`noun_collection`), and the field is that
  collection's primary key;
* the slot is a filter naming the caller by another word (``?member=``, ``scan.filters``)
  and the field is the one of the rows it filters by (``member_no``).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from apiward.scan.request import Where
from apiward.scan.resources import collection_of, is_noun, norm, singular, words
from apiward.spec import Api, Operation, ParameterLocation, Schema, json_types

IDLIKE = re.compile(
    r"(^|[_-])(id|uuid|guid|ref|key|code|slug|username|handle)$|[a-z](Id|Uuid|Ref|Key|Code|Slug)$"
)
"""Names that say "identifier" whatever the resource (``owner_id``, ``cardRef``, ``slug``)."""

KEYS = frozenset({"id", "_id", "uuid", "guid", "pk"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Sighting:
    """A value an identity (``""`` for anonymous) saw in a producer's answer.

    ``kind`` is the resource the value identifies (``account`` for a transfer's
    ``from_account_id``): the same number can be an order and a menu item.
    """

    identity: str
    value: str | int
    field: str
    resource: str
    producer: str
    collection: str
    kind: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Slot:
    """A place in an operation's request that takes an object id."""

    where: Where
    name: str
    schema: Schema
    collection: str = ""
    """For a query id (``DELETE /loans?id=``, ``scan._objects.query_key``) or a field named
    by a collection's noun (``"project": 2``, :func:`noun_collection`): the collection
    whose item it names, as a path parameter names one of the collection before it (and
    for a path parameter, that one: a link's is of its own kind, ``scan._links``)."""
    field: str = ""
    """For a filter naming the caller by another word (``?member=``, ``scan.filters``): the
    field of the rows it filters by (``member_no``), where each identity holds its own value."""
    key: str = ""
    """For a field named by a collection's noun: the parameter of that collection's item
    path when it is not a bare id (``slug`` of ``/spaces/{slug}``), which the field takes."""


def key_names(parameter: str, resource: str) -> frozenset[str]:
    """Field names (normalised) that ``{parameter}`` of ``resource``'s item path may take.

    Bare of its resource when its first word names it: whole (``{venueSlug}``), shortened
    (``{orgSlug}`` of organisers: the NestJS trial's organisers' ``slug`` never filled it),
    or by the resource's last word (``{pass_code}`` of guest passes, whose ``code`` the
    Django Ninja trial's creations answered and the scan never deleted them by).
    """
    parts = words(parameter)
    names = {norm(parameter)}
    whole = norm(resource)
    last = (words(resource)[-1:] or [whole])[0]
    first = parts[0] if parts else ""
    named = first in (whole, singular(whole)) or (
        len(first) >= 3 and (whole.startswith(first) or last.startswith(first))
    )
    if len(parts) > 1 and named:
        names.add("".join(parts[1:]))
    return frozenset(names)


def key_fields(parameter: str, resource: str, fields: Iterable[str]) -> list[str]:
    """Of ``fields``, those named like ``{parameter}`` bare of its resource that still say
    identifier: ``ref`` for ``/claims/{claim_ref}``, ``code`` for ``{voucherCode}``."""
    bare = key_names(parameter, resource) - {norm(parameter)} if parameter else frozenset()
    return [f for f in fields if norm(f) in bare and IDLIKE.search(f)]


def is_primary(field: str, resource: str) -> bool:
    """True for an object's own key: ``id``, ``uuid``, or an id-like name of its resource."""
    return field.lower() in KEYS or bool(
        IDLIKE.search(field) and norm(field).startswith(norm(resource))
    )


def fits(sighting: Sighting, operation: Operation, slot: Slot, fields: Iterable[str]) -> bool:
    """True when ``sighting`` can fill ``slot``; ``fields``: its collection's objects' (normalised)."""
    return names_match(sighting, operation, slot, fields) and type_fits(sighting.value, slot.schema)


def names_match(
    sighting: Sighting, operation: Operation, slot: Slot, fields: Iterable[str]
) -> bool:
    """The name rules of the module docstring."""
    field, name = norm(sighting.field), norm(slot.name)
    if slot.field:
        return field == norm(slot.field)
    if field not in KEYS and field == name and IDLIKE.search(sighting.field):
        return True
    if name.endswith(norm(sighting.resource) + field):
        return True
    collection = slot.collection or (
        collection_of(operation.path, slot.name) if slot.where is Where.PATH else None
    )
    if collection is None or collection != sighting.collection:
        return False
    # A DRF ``SlugRelatedField`` (``"space": "lovelace"``) takes the slug, not the id: the
    # DRF trial's bookings were all refused for ``"space": 2``.
    keys = key_names(slot.key or slot.name, sighting.collection)
    if field in keys:
        return True
    named = any(f in keys for f in fields)
    return not named and is_primary(sighting.field, sighting.resource)


def type_fits(value: str | int, schema: Schema) -> bool:
    """True when ``value`` is of the slot's type (integers for integers, UUIDs for uuid)."""
    if "integer" in json_types(schema):
        return isinstance(value, int) or (isinstance(value, str) and value.isdigit())
    if schema.get("format") == "uuid":
        try:
            uuid.UUID(str(value))
        except ValueError:
            return False
    return True


def kind_of(field: str, resource: str, item_keys: Mapping[str, str]) -> str:
    """The resource a value under ``field`` of a ``resource`` object identifies.

    ``item_keys`` maps a normalised path parameter name to its collection's resource
    (``username`` → ``user``): a field named like one names that resource's object.
    """
    if is_primary(field, resource):
        return resource
    if norm(field) in item_keys:
        return item_keys[norm(field)]
    parts = words(field)
    if len(parts) > 1 and IDLIKE.search(field):
        return singular(parts[-2])
    return resource


WEAK = frozenset({"code", "key", "ref"})
"""Last words that name an object only when the word before them is one of the API's nouns."""


_HANDLES = frozenset({"slug", "handle", "username", "sku"})
"""Last words of a field an API keeps unique, unless the word before them names another object."""


def names_other(name: str, nouns: frozenset[str], own: str) -> bool:
    """True for a unique-looking field that names another resource's object (``clubSlug``).

    A sign-up's ``clubSlug`` picks the club to join and a line's ``productSku`` the product:
    a fresh value names none, and the write is refused (the Express trial's sign-up). The
    word before the handle is one of the API's ``nouns`` (:func:`nouns_of`), not ``own``,
    the noun of the collection the operation writes (``POST /clubs`` names its own slug).
    """
    parts = words(name)
    if len(parts) < 2 or parts[-1] not in _HANDLES:
        return False
    noun = singular(parts[-2])
    return noun in nouns and noun != own


def nouns_of(api: Api) -> frozenset[str]:
    """The API's nouns, singular: every literal path segment, and a kebab segment's last word."""
    return frozenset(
        singular(noun)
        for op in api.operations
        for segment in op.path.strip("/").split("/")
        if is_noun(segment)
        for noun in (norm(segment), *words(segment)[-1:])
    )


def refers(name: str, nouns: frozenset[str]) -> bool:
    """False for a field whose ``code`` or ``key`` is a property, not a reference.

    A ``gateCode`` or a ``zip_code`` names no object of the API; a ``promo_code`` does
    when the API has promos (``nouns``: :func:`nouns_of`). The weak word alone
    (``code``) still refers.
    """
    parts = words(name)
    if len(parts) < 2 or parts[-1] not in WEAK:
        return True
    return singular(parts[-2]) in nouns


_ID_FORMATS = frozenset({"", "uuid"})
"""String formats an id may have: none, or a UUID (not a date, an e-mail, a decimal)."""
_TEXT = 64
"""A string allowed longer than this (``maxLength: 500``) holds text, not an id."""


def item_nouns(api: Api) -> dict[str, str]:
    """Collections whose items have a path, by their noun plural and singular (normalised).

    Not ``scan._kinds.item_collections``: there one name (``id``, as in every Django REST
    Framework path) keeps only its first collection.
    """
    out: dict[str, str] = {}
    for op in api.operations:
        for p in op.parameters:
            collection = collection_of(op.path, p.name)
            if p.location is ParameterLocation.PATH and collection:
                for noun in (norm(collection), singular(norm(collection))):
                    out.setdefault(noun, collection)
    return out


def noun_collection(name: str, schema: Schema, nouns: Mapping[str, str]) -> str:
    """The collection a field named by its bare noun names (``project`` → projects), or ``""``.

    Django REST Framework writes a foreign key as the related model's name, with no
    ``_id`` (``{"project": 2}``, ``?project=2``): such a field is an id when it holds one
    (an integer, a UUID or a short plain string; not an enum, an object, a list, nor text
    allowed longer than ``_TEXT``). ``nouns``:
    :func:`item_nouns`.
    """
    types = json_types(schema)
    if "enum" in schema or not types & {"integer", "string"} or types & {"object", "array"}:
        return ""
    if "string" in types and str(schema.get("format", "")) not in _ID_FORMATS:
        return ""
    if "string" in types and int(schema.get("maxLength") or 0) > _TEXT:
        return ""  # free text: the APIFlask trial's offer ``message`` had been sent a message id
    return nouns.get(norm(name), "")
