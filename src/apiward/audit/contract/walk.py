"""Every schema of a contract visited once, with the operations that use it and how.

A contract's schemas are shared: ``User`` may be the response of ten operations.
Rules judge each schema node once, at the pointer where it was written, so the
walk has two halves:

* which ``$defs`` entries each operation reaches, from its parameters and request
  body (*request* side) and from its responses (*response* side), following
  ``$ref`` chains with a visited set (recursive schemas end);
* one pass over every root schema and every reached ``$defs`` entry, yielding a
  :class:`SchemaNode` per subschema (properties, items, compositions...), with the
  operations that use it on that side. ``$ref`` nodes are not descended: their
  target is visited as its own entry.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from apiward.spec import Api, Operation, Schema, Source
from apiward.spec.documents import escape
from apiward.spec.model import DEFS

_ONE = ("items", "additionalProperties", "not", "contains", "propertyNames", "unevaluatedItems")
_MANY = ("allOf", "anyOf", "oneOf", "prefixItems")
_MAX_DEPTH = 64


class Side(StrEnum):
    """Whether a schema describes what clients send or what the API returns."""

    REQUEST = "request"
    RESPONSE = "response"


class Where(StrEnum):
    """Where a request value travels (responses are all ``body``)."""

    PATH = "path"
    QUERY = "query"
    HEADER = "header"
    COOKIE = "cookie"
    BODY = "body"


@dataclass(frozen=True, slots=True, kw_only=True)
class Root:
    """A schema an operation uses directly, and where it was written."""

    schema: Schema
    side: Side
    where: Where
    name: str
    document: str
    pointer: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SchemaNode:
    """One subschema, judged once: its name, where it was written, and who uses it."""

    schema: Schema
    name: str
    """The property or parameter name it describes (array items inherit it), or ``""``."""
    side: Side
    where: Where
    document: str
    pointer: str
    operations: tuple[str, ...]
    """Keys (``METHOD /path``) of the operations that use it on this side, sorted."""
    property_of_composition: bool = False
    """True for a part of ``allOf``/``anyOf``/``oneOf``: it is not the whole object."""


def reached_keys(api: Api, schema: Schema, cache: dict[str, tuple[str, ...]]) -> set[str]:
    """The ``$defs`` keys reachable from ``schema`` (recursive schemas visited once).

    ``cache`` holds each table entry's direct references, shared across calls.
    """
    seen: set[str] = set()
    pending = list(direct_refs(schema))
    while pending:
        key = pending.pop()
        if key in seen or key not in api.schemas:
            continue
        seen.add(key)
        if key not in cache:
            cache[key] = direct_refs(api.schemas[key])
        pending.extend(cache[key])
    return seen


def direct_refs(schema: Any) -> tuple[str, ...]:
    """The ``$defs`` keys referenced inside ``schema`` without following any ref."""
    found: list[str] = []
    stack = [schema]
    # YAML aliases share one container under many parents: each is read once, so a
    # nested alias bomb costs its size in the file, not the 10^8 leaves it stands for.
    seen: set[int] = set()
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping | list | tuple):
            if id(item) in seen:
                continue
            seen.add(id(item))
        if isinstance(item, Mapping):
            ref = item.get("$ref")
            if isinstance(ref, str) and ref.startswith(DEFS):
                found.append(ref[len(DEFS) :])
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return tuple(found)


def descend(
    schema: Schema, name: str, pointer: str, depth: int = 0
) -> Iterator[tuple[Schema, str, str, bool]]:
    """``(subschema, name, pointer, part_of_composition)`` for ``schema`` and what it holds."""
    yield schema, name, pointer, False
    if depth > _MAX_DEPTH or ("$ref" in schema and len(schema) == 1):
        return
    properties = schema.get("properties")
    if isinstance(properties, Mapping):
        for prop, sub in properties.items():
            if isinstance(sub, Mapping):
                yield from descend(
                    sub, str(prop), f"{pointer}/properties/{escape(str(prop))}", depth + 1
                )
    for key in _ONE:
        sub = schema.get(key)
        if isinstance(sub, Mapping):
            yield from descend(sub, name, f"{pointer}/{key}", depth + 1)
    for key in _MANY:
        subs = schema.get(key)
        if isinstance(subs, list | tuple):
            for i, sub in enumerate(subs):
                if isinstance(sub, Mapping):
                    for node in descend(sub, name, f"{pointer}/{key}/{i}", depth + 1):
                        yield node[0], node[1], node[2], node[3] or key != "prefixItems"


def roots(op: Operation, api: Api, source: Source) -> list[Root]:
    """The schemas ``op`` uses directly, each with the document and pointer where it was written.

    Parameters, bodies and responses reached through a ``$ref`` name their own
    document; an empty one (a model built by hand) means the root document.
    """
    found = [
        Root(
            schema=p.schema,
            side=Side.REQUEST,
            where=Where(p.location.value),
            name=p.name,
            document=p.document or source.name,
            pointer=f"{p.pointer}/schema",
        )
        for p in op.parameters
    ]
    swagger = api.spec_version == "2.0"
    body = op.request_body
    if body is not None:
        # A body or response without a document was built by hand: its pointer is
        # not recorded, so it is taken where the specification puts it.
        document = body.document or op.document or source.name
        pointer = body.pointer if body.document else _default_body_pointer(op, swagger)
        if swagger and _is_body_parameter(source.at(pointer, document)):
            pointer = f"{pointer}/schema"
        for media, schema in body.content.items():
            at = pointer if swagger else f"{pointer}/content/{escape(media)}/schema"
            found.append(_body_root(schema, Side.REQUEST, document, at))
    for status, response in op.responses.items():
        document = response.document or op.document or source.name
        at = response.pointer if response.document else f"{op.pointer}/responses/{escape(status)}"
        for media, schema in response.content.items():
            where = f"{at}/schema" if swagger else f"{at}/content/{escape(media)}/schema"
            found.append(_body_root(schema, Side.RESPONSE, document, where))
    return found


def _body_root(schema: Schema, side: Side, document: str, pointer: str) -> Root:
    return Root(
        schema=schema, side=side, where=Where.BODY, name="", document=document, pointer=pointer
    )


def _default_body_pointer(op: Operation, swagger: bool) -> str:
    """Where a body without a recorded pointer is declared, by the specification's layout."""
    return f"{op.pointer}/parameters" if swagger else f"{op.pointer}/requestBody"


def _is_body_parameter(raw: Any) -> bool:
    """True for a Swagger 2.0 ``in: body`` parameter (its schema is the body's)."""
    return isinstance(raw, dict) and raw.get("in") == "body"
