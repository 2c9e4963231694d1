"""The shared schema table: every referenced schema once, under a stable key.

Inline schemas are copied with each ``$ref`` rewritten to ``#/$defs/<key>``; the
target is converted once into the table (``components/schemas/X`` and
``definitions/X`` keep the name ``X``, anything else gets a sanitised unique key).
Recursion therefore ends at the first ``$ref`` and big specs stay small. Work is
queued rather than recursed through references, and a node budget bounds what
YAML aliases can expand to (billion laughs).
"""

from __future__ import annotations

import re
from collections import deque
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from apiward.core.errors import SpecError
from apiward.spec.dialect import MANY, NAMED, ONE, normalise
from apiward.spec.documents import DanglingRefError, Documents, Node, unescape
from apiward.spec.model import DEFS

_NAMED_POINTER = re.compile(r"^/(?:components/schemas|definitions)/([^/]+)$")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class SchemaTable:
    """Converts schemas to the 2020-12 dialect and collects the ones they reference."""

    def __init__(self, documents: Documents, *, legacy: bool) -> None:
        self.documents = documents
        self.legacy = legacy
        self.entries: dict[str, Any] = {}
        self._keys: dict[tuple[str, str], str] = {}
        self._taken: set[str] = set()
        self._pending: deque[tuple[str, str, str, Node, str]] = deque()
        self._visited = 0

    def register(self, node: Node) -> str:
        """Give the schema at ``node`` a key and queue it for conversion."""
        return self._key(node.uri, node.pointer, where=node, ref="")

    def convert(self, node: Node) -> dict[str, Any]:
        """The schema at ``node`` in 2020-12 form, its references pointing into the table."""
        value = self._convert(node.value, node)
        return value if isinstance(value, dict) else ({} if value else {"not": {}})

    def finish(self) -> dict[str, Any]:
        """Convert every queued table entry (and what they reference); the finished table."""
        while self._pending:
            key, uri, pointer, where, ref = self._pending.popleft()
            try:
                target = self.documents.at(uri, pointer, ref=ref, where=where)
            except DanglingRefError as error:
                self.documents.dangling(error)
                self.entries[key] = {}
                continue
            self.entries[key] = self._convert(target.value, target)
        return dict(sorted(self.entries.items()))

    def origins(self) -> dict[str, tuple[str, str]]:
        """Every table key → the (document URI, JSON pointer) its schema was read from."""
        return {key: where for where, key in self._keys.items()}

    def _convert(self, value: Any, node: Node) -> Any:
        self._visited += 1
        # Without aliases a node costs at least a few bytes of text; far more nodes
        # than bytes means YAML aliases are multiplying a subtree.
        if self._visited > 4 * self.documents.total_bytes + 200_000:
            raise SpecError(
                "document expands to too many schema nodes (YAML aliases?)",
                source=self.documents.name(node.uri),
                pointer=node.pointer,
            )
        if not isinstance(value, dict):
            return value
        ref = value.get("$ref")
        if isinstance(ref, str) and len(value) == 1:
            return {"$ref": self._rewrite(ref, node)}
        # Siblings of $ref are kept and walked (2020-12 semantics): real 2.0/3.0 specs
        # put properties and nullable next to a $ref and mean them.
        out: dict[str, Any] = {}
        for key, member in value.items():
            out[key] = self._member(key, member, node)
        if isinstance(ref, str):
            out["$ref"] = self._rewrite(ref, node)
        return normalise(out, legacy=self.legacy)

    def _rewrite(self, ref: str, node: Node) -> str:
        uri, pointer = self.documents.target(ref, node.uri)
        return DEFS + self._key(uri, pointer, where=node, ref=ref)

    def _member(self, key: str, member: Any, node: Node) -> Any:
        if (key in MANY or key == "items") and isinstance(member, list):
            at = node.child(key)
            return [self._convert(item, at.child(i)) for i, item in enumerate(member)]
        if key in ONE:
            return self._convert(member, node.child(key)) if isinstance(member, dict) else member
        if key in NAMED and isinstance(member, dict):
            at = self._named(node.child(key))
            if not isinstance(at.value, dict):
                return {}
            return {name: self._convert(sub, at.child(name)) for name, sub in at.value.items()}
        if key == "discriminator" and isinstance(member, dict):
            return self._discriminator(member, node)
        return member

    def _named(self, node: Node) -> Node:
        """A map of subschemas, following a $ref to the whole map (DigitalOcean does this)."""
        try:
            return self.documents.resolve(node)
        except DanglingRefError as error:
            self.documents.dangling(error)
            return Node({}, node.uri, node.pointer)

    def _discriminator(self, member: dict[str, Any], node: Node) -> dict[str, Any]:
        mapping = member.get("mapping")
        if not isinstance(mapping, dict):
            return member
        rewritten = {}
        for value, target in mapping.items():
            if isinstance(target, str) and ("#" in target or "/" in target or "." in target):
                uri, pointer = self.documents.target(target, node.uri)
                target = DEFS + self._key(
                    uri, pointer, where=node.child("discriminator"), ref=target
                )
            rewritten[value] = target
        return {**member, "mapping": rewritten}

    def _key(self, uri: str, pointer: str, *, where: Node, ref: str) -> str:
        known = self._keys.get((uri, pointer))
        if known is not None:
            return known
        key = self._unique(_preferred_key(uri, pointer))
        self._keys[(uri, pointer)] = key
        self._pending.append((key, uri, pointer, where, ref))
        return key

    def _unique(self, base: str) -> str:
        key, n = base, 1
        while key in self._taken:
            n += 1
            key = f"{base}_{n}"
        self._taken.add(key)
        return key


def _preferred_key(uri: str, pointer: str) -> str:
    named = _NAMED_POINTER.match(pointer)
    if named:
        return _UNSAFE.sub("_", unescape(named.group(1))) or "schema"
    stem = PurePosixPath(urlsplit(uri).path).stem
    parts = [unescape(p) for p in pointer.split("/")[1:]]
    if parts[:2] == ["components", "schemas"] or parts[:1] == ["definitions"]:
        parts = parts[2:] if parts[0] == "components" else parts[1:]
    elif stem and len(parts) != 1:
        # A whole file is named by its stem; a single-segment pointer (the common
        # ``definitions.yaml#/Pet``) by the segment.
        parts = [stem, *parts]
    return _UNSAFE.sub("_", "_".join(parts)).strip("_") or "schema"
