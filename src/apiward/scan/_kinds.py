"""What the contract says of its resources, for harvesting: each path parameter's
collection, which resources are numbered, which a sign-up makes (the people)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Any

from apiward.scan.resources import collection_of, norm, singular, words
from apiward.spec import Api, Operation, ParameterLocation, json_types

_PEOPLE = ("user", "member", "customer", "person", "people", "profile", "account")
"""Resources an identity's own id belongs to, most likely first (then those a sign-up makes)."""


def people_kind(
    field: str,
    item_kinds: Mapping[str, str],
    collections: Collection[str],
    signs_up: Collection[str],
) -> str:
    """The resource an identity's own ``field`` names: its item path's (``item_kinds``, by
    normalised parameter name), else the one its name says (``org_id``), else the users'."""
    if norm(field) in item_kinds:
        return item_kinds[norm(field)]
    parts = words(field)
    if len(parts) > 1:
        return singular(parts[-2])
    people = (*_PEOPLE, *sorted(signs_up))
    return next((p for p in people if p in collections), "user")


def sign_up_kinds(api: Api, public: Callable[[Operation], bool]) -> set[str]:
    """Resources a public POST (``public``: ``scan.openness``) taking a password creates
    (``POST /patients``): the people."""
    found = set()
    for op in api.operations:
        body = op.request_body.content if op.request_body else {}
        schema = api.deref(next(iter(body.values()), {}) or {})
        names = schema.get("properties", {}) if isinstance(schema, dict) else {}
        if op.method == "POST" and public(op) and any("password" in n.lower() for n in names):
            found.add(singular(op.path.rstrip("/").rsplit("/", 1)[-1]))
    return found


def surrogate(value: str | int) -> bool:
    """True for a value shaped like a generated key: an integer or a UUID."""
    if isinstance(value, int) or value.isdigit():
        return True
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


Collections = Callable[[str, str], str | None]
"""A path parameter's collection: ``resources.collection_of``, or ``scan._links``' own."""


def numbered_kinds(api: Api, collections: Collections = collection_of) -> frozenset[str]:
    """Resources whose item paths take an integer or a UUID (``/accounts/{account_id}``)."""
    found = set()
    for op in api.operations:
        for p in op.parameters:
            collection = collections(op.path, p.name)
            schema = api.deref(p.schema)
            numbered = "integer" in json_types(schema) or schema.get("format") == "uuid"
            if p.location is ParameterLocation.PATH and collection and numbered:
                found.add(singular(collection))
    return frozenset(found)


def item_collections(api: Api, collections: Collections = collection_of) -> dict[str, str]:
    """Each path parameter's name → the collection before it (``username`` → users)."""
    return {name: found[0] for name, found in _items(api, collections).items()}


def item_keys(api: Api, keys: frozenset[str]) -> dict[str, str]:
    """Each collection → the first path parameter naming its item that is not in ``keys``
    (``spaces`` → ``slug``; a bare ``id`` says nothing of which field a reference takes)."""
    found: dict[str, str] = {}
    for name, collections in _items(api, collection_of).items():
        for collection in collections if name.lower() not in keys else ():
            found.setdefault(collection, name)
    return found


def itemised(api: Api, collections: Collections = collection_of) -> set[str]:
    """Every collection a path parameter names an item of (``id`` names several)."""
    return {c for found in _items(api, collections).values() for c in found}


def _items(api: Api, collections: Collections) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for op in api.operations:
        for p in op.parameters:
            collection = collections(op.path, p.name)
            if p.location is ParameterLocation.PATH and collection:
                out.setdefault(p.name, []).append(collection)
    return out


_LIST_WORDS = frozenset({"ids", "codes", "refs", "keys", "slugs", "numbers"})
"""Last words of a list of ids named for their collection (``ticket_ids``, ``seatCodes``)."""


def listed_ids(
    item: Mapping[str, Any], collections: Mapping[str, str]
) -> Iterator[tuple[str, str, str | int]]:
    """Ids an object lists of another collection's items, with their kind (a key of
    ``collections``) and collection: ``"tickets": ["TKT-B2D1"]`` or ``ticket_ids: [7, 9]``.

    The Litestar trial's orders listed their tickets' codes so, and ``GET /tickets/{code}``
    was never tried: no harvested id fit it."""
    kinds = {norm(k): k for k in collections}
    for key, value in item.items():
        if not isinstance(value, list) or not 0 < len(value) <= 100:
            continue
        parts = words(key)
        if len(parts) > 1 and parts[-1].lower() in _LIST_WORDS:
            parts = parts[:-1]
        kind = kinds.get(norm(singular("".join(parts).lower())))
        if kind is None:
            continue
        for one in value:
            if isinstance(one, str | int) and not isinstance(one, bool) and one != "":
                yield kind, collections[kind], one
