"""The contract prepared once for every rule: schema nodes, who uses them, where lines are.

Built once per audit (:func:`prepare`); rules only read it. "Public on purpose" is
decided here, in one place: an operation is public on purpose when it says so
explicitly, either with an operation-level ``security: []`` (the author overrode
the global requirement, or wrote "no auth" deliberately) or with the extension
``x-apiward-public: true`` on the operation or its path item. An operation that
simply has no ``security`` anywhere is *not* public on purpose.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from apiward.audit.contract.walk import Root, SchemaNode, Side, Where, descend, reached_keys, roots
from apiward.core.findings import Location
from apiward.spec import Api, Operation, Source
from apiward.spec.documents import escape

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PUBLIC_EXTENSION = "x-apiward-public"


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class Contract:
    """A loaded contract with its schema nodes and indexes, ready for the rules."""

    api: Api
    source: Source
    nodes: tuple[SchemaNode, ...]
    _by_pointer: Mapping[tuple[str, str], tuple[str, ...]] = field(repr=False)
    _by_operation: Mapping[str, tuple[SchemaNode, ...]] = field(repr=False)

    def location(self, pointer: str, document: str | None = None) -> Location:
        """Where ``pointer`` is: the document, its line and the pointer."""
        document = document or self.source.name
        return Location(source=document, line=self.source.line(pointer, document), pointer=pointer)

    def users(self, pointer: str, document: str | None = None) -> tuple[str, ...]:
        """The operations using the schema node written at ``pointer`` (empty if none)."""
        return self._by_pointer.get((document or self.source.name, pointer), ())

    def nodes_of(self, operation: str) -> tuple[SchemaNode, ...]:
        """Every schema node ``operation`` uses, request and response side."""
        return self._by_operation.get(operation, ())

    def public_on_purpose(self, op: Operation) -> bool:
        """True when the contract says explicitly that ``op`` needs no credentials."""
        raw = self.source.at(op.pointer, op.document or None)
        marked = any(
            isinstance(node, dict) and node.get(PUBLIC_EXTENSION) is True
            for node in (raw, *self._path_items(op))
        )
        explicit = isinstance(raw, dict) and raw.get("security") == []
        return marked or explicit

    def _path_items(self, op: Operation) -> tuple[Any, ...]:
        """The raw path item of ``op``: the parent of the operation and the ``paths`` entry.

        They differ when the operation is a ``$ref`` of its own (then the parent is
        its file) or the path item is (then the root's entry is only the ``$ref``).
        """
        parent = op.pointer.rsplit("/", 1)[0] if op.pointer else None
        return (
            self.source.at(f"/paths/{escape(op.path)}"),
            None if parent is None else self.source.at(parent, op.document or None),
        )

    def scheme_pointer(self, name: str) -> str:
        """Where the security scheme ``name`` is declared."""
        table = (
            "/securityDefinitions"
            if self.api.spec_version == "2.0"
            else ("/components/securitySchemes")
        )
        return f"{table}/{escape(name)}"


def prepare(api: Api, source: Source) -> Contract:
    """Walk every schema once and index the results for the rules."""
    inline: dict[tuple[str, Side], tuple[Root, set[str]]] = {}
    key_users: dict[tuple[str, Side], set[str]] = defaultdict(set)
    key_where: dict[tuple[str, Side], Where] = {}
    refs: dict[str, tuple[str, ...]] = {}
    for op in api.operations:
        op_roots = roots(op, api, source)
        for root in op_roots:
            entry = inline.setdefault((root.pointer, root.side), (root, set()))
            entry[1].add(op.key)
            for key in reached_keys(api, root.schema, refs):
                key_users[(key, root.side)].add(op.key)
                if key_where.get((key, root.side)) is not Where.BODY:
                    key_where[(key, root.side)] = root.where
    nodes = [
        *_inline_nodes(inline.values()),
        *_table_nodes(api, source, key_users, key_where),
    ]
    return _indexed(api, source, nodes)


def _inline_nodes(entries: Iterable[tuple[Root, set[str]]]) -> list[SchemaNode]:
    found: list[SchemaNode] = []
    for root, users in entries:
        for schema, name, pointer, part in descend(root.schema, root.name, root.pointer):
            found.append(
                SchemaNode(
                    schema=schema,
                    name=name,
                    side=root.side,
                    where=root.where,
                    document=root.document,
                    pointer=pointer,
                    operations=tuple(sorted(users)),
                    property_of_composition=part,
                )
            )
    return found


def _table_nodes(
    api: Api,
    source: Source,
    key_users: Mapping[tuple[str, Side], set[str]],
    key_where: Mapping[tuple[str, Side], Where],
) -> list[SchemaNode]:
    found: list[SchemaNode] = []
    for (key, side), users in sorted(key_users.items()):
        origin = source.schema_origins.get(key)
        document = origin.document if origin else source.name
        start = origin.pointer if origin else f"/$defs/{escape(key)}"
        for schema, name, pointer, part in descend(api.schemas[key], "", start):
            found.append(
                SchemaNode(
                    schema=schema,
                    name=name,
                    side=side,
                    where=key_where[(key, side)],
                    document=document,
                    pointer=pointer,
                    operations=tuple(sorted(users)),
                    property_of_composition=part,
                )
            )
    return found


def _merged(nodes: list[SchemaNode]) -> list[SchemaNode]:
    """One node per written place and side: two refs may reach one schema by different keys."""
    merged: dict[tuple[str, str, Side], SchemaNode] = {}
    for node in nodes:
        place = (node.document, node.pointer, node.side)
        known = merged.get(place)
        if known is not None:
            users = tuple(sorted({*known.operations, *node.operations}))
            node = replace(known, operations=users)
        merged[place] = node
    return list(merged.values())


def _indexed(api: Api, source: Source, nodes: list[SchemaNode]) -> Contract:
    nodes = _merged(nodes)
    by_pointer: dict[tuple[str, str], set[str]] = defaultdict(set)
    by_operation: dict[str, list[SchemaNode]] = defaultdict(list)
    for node in nodes:
        by_pointer[(node.document, node.pointer)].update(node.operations)
        for op in node.operations:
            by_operation[op].append(node)
    return Contract(
        api=api,
        source=source,
        nodes=tuple(nodes),
        _by_pointer={k: tuple(sorted(v)) for k, v in by_pointer.items()},
        _by_operation={k: tuple(v) for k, v in by_operation.items()},
    )
