"""Nested collections of links: objects under a parent that point at another collection's.

A nested collection (``/work-orders/{id}/parts``) whose objects carry a key of their own
(``id``) and, beside it, an id named by the collection's own noun (``part_id``) holds
*links*: each line books a catalogue part onto a work order, and is not that part (line
8 and part 8 are two objects), whatever parent id (``work_order_id``) it also carries.
Its objects get a kind of their own, the parent's noun before the collection's
(``work-order-part``, collection ``work-order-parts``), in the harvest and in the slots
alike (``scan.fitting``), so line 8 never fits ``/parts/{id}`` nor claims part 8 for its
creator, while ``/work-orders/{id}/parts/{line_id}`` still takes it. Its ``part_id``
stays a part. The ledger gives what the scan makes there the same kind, and never takes
the line's ``part_id`` for its id nor ``DELETE /parts/{part_id}`` for its removal
(``_objects.item_of``): cleaning up a line must not withdraw a catalogue part.

A nested collection whose objects are the noun's own (``/users/{id}/orders`` listing
orders by ``id``, or by ``order_id`` alone) keeps the noun's kind: what it lists fits
``/orders/{id}``. Links are known from the contract (an answer of the collection's paths
documents such objects) and from the objects the scan reads or makes there
(:meth:`Links.learn`, :func:`is_link`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from apiward.scan.envelope import is_meta
from apiward.scan.resources import collection_of, is_noun, norm, resource_of, singular, words
from apiward.spec import Api, Operation, Schema, json_types

_KEYS = frozenset({"id", "_id", "uuid", "guid", "pk"})
_ID_WORDS = frozenset({"id", "uuid", "guid", "pk"})
_DEPTH = 3


class Links:
    """The API's nested collections of links, by their path up to the collection's segment."""

    def __init__(self, api: Api) -> None:
        self._found = {
            b for op in api.operations if (b := _base(op.path)) and _documents(api, op, b)
        }

    def learn(self, path: str, item: Any) -> None:
        """``item`` was read at ``path``: its collection holds links when ``item`` is one."""
        base = _base(path)
        if base is not None and base not in self._found and is_link(path, item):
            self._found.add(base)

    def holds(self, path: str) -> bool:
        """True when ``path`` (``/work-orders/{id}/parts``, or an item of it) is a link collection's."""
        return _base(path) in self._found

    def resource_of(self, path: str) -> tuple[str, str]:
        """``resources.resource_of``, the parent's noun before a link collection's."""
        base = _base(path)
        if base is None or base not in self._found:
            return resource_of(path)
        collection = _qualified(base)
        return collection, singular(collection)

    def collection_of(self, path: str, parameter: str) -> str | None:
        """``resources.collection_of``, the parent's noun before a link collection's."""
        segments = path.rstrip("/").split("/")
        marker = "{" + parameter + "}"
        if marker not in segments:
            return None
        base = _base("/".join(segments[: segments.index(marker)]))
        if base is not None and base in self._found:
            return _qualified(base)
        return collection_of(path, parameter)


def documented(api: Api, path: str) -> bool:
    """True when the contract documents the objects of ``path``'s collection as links."""
    base = _base(path)
    return base is not None and any(_documents(api, op, base) for op in api.operations)


def is_link(path: str, item: Any) -> bool:
    """True when ``item``, read or made at ``path``, is a link of a nested collection."""
    base = _base(path)
    return base is not None and isinstance(item, Mapping) and _links(base, item)


def _documents(api: Api, op: Operation, base: str) -> bool:
    """True when ``op``, on ``base`` or below it, documents its objects as links."""
    if _base(op.path) != base:
        return False
    schemas = (op.answer_schema() or {}, *_bodies(api, op.request_body))
    return any(_links(base, names) for s in schemas for names in _shapes(api, s))


def _base(path: str) -> str | None:
    """``path`` up to its last noun segment, a plural one with a path id and a noun before
    it (a nested collection, not ``/users/{id}/profile``), its ids as ``{}``; else None."""
    segments = ["{}" if s.startswith("{") else s for s in path.strip("/").split("/")]
    nouns = [i for i, s in enumerate(segments) if is_noun(s)]
    if len(nouns) < 2 or "{}" not in segments[: nouns[-1]]:
        return None
    last = segments[nouns[-1]]
    return "/" + "/".join(segments[: nouns[-1] + 1]) if singular(last) != last else None


def _qualified(base: str) -> str:
    """``/work-orders/{}/parts`` → ``work-order-parts``: the parent's noun, singular, then the collection's."""
    segments = [s for s in base.strip("/").split("/") if is_noun(s)]
    return f"{singular(segments[-2])}-{segments[-1]}"


def _links(base: str, item: Mapping[str, Any] | frozenset[str]) -> bool:
    """True when ``item`` (an object, or its field names) has a key of its own and an id
    named by ``base``'s noun holding another value."""
    noun = norm(singular(base.rsplit("/", 1)[-1]))
    fields = item if isinstance(item, frozenset) else frozenset(item)
    own = [f for f in fields if f.lower() in _KEYS]
    named = [f for f in fields if _names(f, noun)]
    if not own or not named:
        return False
    if isinstance(item, frozenset):
        return True
    return any(str(item[n]) != str(item[o]) for n in named for o in own)


def _names(field: str, noun: str) -> bool:
    """True for ``part_id``, ``partId``, ``part_uuid`` of the noun ``part``."""
    parts = words(field)
    return len(parts) > 1 and parts[-1] in _ID_WORDS and "".join(parts[:-1]) == noun


def _bodies(api: Api, body: Any) -> Iterator[Schema]:
    """The JSON schemas of a request body: what a creation there sends is one of its objects."""
    for media, schema in body.content.items() if body is not None else ():
        if "json" in media:
            yield api.deref(schema)


def _shapes(api: Api, schema: Schema, depth: int = 0) -> Iterator[frozenset[str]]:
    """The property names of the objects ``schema`` documents: itself, a list's items, or
    inside an envelope (``{"items": [...], "total": 3}``); never an object's own parts."""
    schema = api.deref(schema)
    if depth > _DEPTH or not isinstance(schema, dict):
        return
    if "array" in json_types(schema):
        yield from _shapes(api, schema.get("items", {}), depth + 1)
        return
    properties = schema.get("properties", {})
    if not isinstance(properties, dict) or not properties:
        return
    content = [k for k in properties if not is_meta(k)]
    inner = api.deref(properties[content[0]]) if len(content) == 1 else {}
    if isinstance(inner, dict) and (json_types(inner) & {"object", "array"} or _nests(inner)):
        yield from _shapes(api, inner, depth + 1)
    else:
        yield frozenset(properties)


def _nests(schema: Schema) -> bool:
    """True for an untyped schema that documents an object or a list all the same."""
    return "properties" in schema or "items" in schema
