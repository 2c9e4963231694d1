"""The sensitive-data map: which fields of which endpoints carry personal or secret data.

Two sources feed it. Traffic bodies (JSON walked field by field, CSV by column) are
classified by value and by field name, with counts; the contract is classified by
names and ``format``s of parameters and schema properties. A field is written as a
path from the body's root: ``$.email``, ``$[].number``, ``$.owner.phone``.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

import orjson

from apiward.core.sensitive import DataClass, classify_name, classify_value
from apiward.inventory.cluster import Endpoint, Usage
from apiward.spec import Api, Operation, Schema

MAX_DEPTH = 12


class Place(StrEnum):
    """Where in an exchange a field travels."""

    PATH = "path"
    QUERY = "query"
    HEADER = "header"
    COOKIE = "cookie"
    REQUEST = "request"
    RESPONSE = "response"


@dataclass(frozen=True, slots=True, kw_only=True)
class SensitiveField:
    """One field of one operation and the kinds of sensitive data found in it."""

    operation: str
    place: Place
    name: str
    """Where in the body or which parameter: ``$.email``, ``$[].number``, ``api_key``."""
    observed: Mapping[DataClass, int] = field(default_factory=lambda: MappingProxyType({}))
    """Kinds seen in traffic, with how many values showed each."""
    declared: tuple[DataClass, ...] = ()
    """Kinds the contract's names and formats announce."""

    @property
    def classes(self) -> tuple[DataClass, ...]:
        """Every kind, observed or declared, in the enum's order."""
        return tuple(c for c in DataClass if c in self.observed or c in self.declared)


Hit = tuple[str, Place, str, DataClass]


def sensitive_map(endpoints: Iterable[Endpoint], api: Api | None) -> tuple[SensitiveField, ...]:
    """Traffic and contract classifications merged per field, sorted by operation and field."""
    observed: dict[tuple[str, Place, str], Counter[DataClass]] = {}
    for usage in (u for e in endpoints for u in e.usages):
        for operation, place, name, kind in _traffic(usage):
            observed.setdefault((operation, place, name), Counter())[kind] += 1
    declared: dict[tuple[str, Place, str], set[DataClass]] = {}
    for operation, place, name, kind in _contract(api) if api else ():
        declared.setdefault((operation, place, name), set()).add(kind)
    return tuple(
        SensitiveField(
            operation=key[0],
            place=key[1],
            name=key[2],
            observed=MappingProxyType(dict(observed.get(key, Counter()))),
            declared=tuple(c for c in DataClass if c in declared.get(key, set())),
        )
        for key in sorted(observed.keys() | declared.keys())
    )


def _traffic(usage: Usage) -> Iterator[Hit]:
    for name in usage.query:
        if kind := classify_name(name):
            yield usage.key, Place.QUERY, name, kind
    for part in usage.path.split("/"):
        if part == "{email}":
            yield usage.key, Place.PATH, part[1:-1], DataClass.EMAIL
    for seen in usage.with_bodies:
        for place, body, media in (
            (Place.REQUEST, seen.request_body, seen.request_content_type),
            (Place.RESPONSE, seen.response_body, seen.response_content_type),
        ):
            for name, kind in _body(body, media):
                yield usage.key, place, name, kind


def _body(body: str | None, media: str | None) -> Iterator[tuple[str, DataClass]]:
    if not body:
        return
    if (media and "json" in media) or body.lstrip()[:1] in ("{", "["):
        try:
            yield from walk(orjson.loads(body))
        except orjson.JSONDecodeError:
            return
    elif media in ("text/csv", "text/plain"):
        yield from _csv(body)


def walk(value: Any, path: str = "$", depth: int = 0) -> Iterator[tuple[str, DataClass]]:
    """Every (field path, kind) of sensitive data in a parsed JSON value."""
    if depth > MAX_DEPTH:
        return
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}"
            if isinstance(item, dict | list):
                yield from walk(item, child, depth + 1)
            elif isinstance(item, str) or _integer(item):
                # One value counts once per kind, whether its name or its content said so.
                kinds = {classify_name(str(key)) if str(item) else None, classify_value(str(item))}
                yield from ((child, kind) for kind in kinds if kind)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item, f"{path}[]", depth + 1)
    elif (isinstance(value, str) or _integer(value)) and (kind := classify_value(str(value))):
        yield path, kind


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _csv(body: str) -> Iterator[tuple[str, DataClass]]:
    rows = list(csv.reader(io.StringIO(body)))
    rows = [row for row in rows if row]
    if len(rows) < 2 or len(rows[0]) < 2 or any(len(row) != len(rows[0]) for row in rows):
        return
    header = rows[0]
    for row in rows[1:]:
        for name, value in zip(header, row, strict=True):
            for kind in {classify_name(name) if value else None, classify_value(value)}:
                if kind:
                    yield f"$[].{name}", kind


def _contract(api: Api) -> Iterator[Hit]:
    for op in api.operations:
        for parameter in op.parameters:
            fmt = parameter.schema.get("format")
            if kind := classify_name(parameter.name, fmt if isinstance(fmt, str) else None):
                yield op.key, Place(parameter.location.value), parameter.name, kind
        for place, schema in _bodies(op):
            for name, kind in _schema_fields(api, schema, "$", 0, frozenset()):
                yield op.key, place, name, kind


def _bodies(op: Operation) -> Iterator[tuple[Place, Schema]]:
    if op.request_body:
        for media, schema in op.request_body.content.items():
            if "json" in media or "form" in media:
                yield Place.REQUEST, schema
    for response in op.responses.values():
        for media, schema in response.content.items():
            if "json" in media:
                yield Place.RESPONSE, schema


def _schema_fields(
    api: Api, schema: Schema, path: str, depth: int, seen: frozenset[str]
) -> Iterator[tuple[str, DataClass]]:
    ref = schema.get("$ref")
    if depth > MAX_DEPTH or (isinstance(ref, str) and ref in seen):
        return
    seen = seen | {ref} if isinstance(ref, str) else seen
    schema = api.deref(schema)
    for key in ("allOf", "anyOf", "oneOf"):
        for part in schema.get(key) or ():
            yield from _schema_fields(api, part, path, depth + 1, seen)
    items = schema.get("items")
    if isinstance(items, Mapping):
        yield from _schema_fields(api, items, f"{path}[]", depth + 1, seen)
    for name, child in (schema.get("properties") or {}).items():
        target = api.deref(child)
        fmt = target.get("format")
        if _scalar(target) and (kind := classify_name(name, fmt if isinstance(fmt, str) else None)):
            yield f"{path}.{name}", kind
        yield from _schema_fields(api, child, f"{path}.{name}", depth + 1, seen)


def _scalar(schema: Schema) -> bool:
    """Whether a schema can hold a string or a number (what a name alone can classify)."""
    kinds = schema.get("type")
    if kinds is None:
        return "properties" not in schema and "items" not in schema
    names = {kinds} if isinstance(kinds, str) else set(kinds)
    return bool(names & {"string", "integer"})
