"""Raw paths to endpoint templates: the contract's first, then inferred ones.

``/users/42/orders/7`` becomes ``/users/{id}/orders/{id}``: value segments by their
kind (segments.py); then, position by position, literal segments with many distinct
values under the same parent *and the same continuations* (``/users/alice``,
``/users/bob``... all ending there, or all followed by ``/orders``) become ``{name}``.
Requiring the same continuations keeps ``/api/v2/{accounts,cards,me,...}`` apart:
collections differ in what follows them, values of one parameter do not. Children of
the root and of a version segment (``/v2``) are never merged: they are collections.
With a contract, a path its templates match keeps the contract's template, so
documented endpoints keep their names; the most literal template wins
(``/transfers/search`` over ``/transfers/{id}``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from apiward.inventory.segments import VERSION, value_kind
from apiward.spec import Api

MANY = 8
"""Distinct literal values under one parent from which a position is taken to be a value."""
_PARAM = re.compile(r"\{[^{}/]+\}")


def segments(path: str) -> list[str]:
    """The non-empty segments of ``path`` (``//`` and a trailing ``/`` do not count)."""
    return [part for part in path.split("/") if part]


@dataclass(frozen=True, slots=True)
class _Template:
    path: str
    parts: tuple[re.Pattern[str], ...]
    rank: tuple[int, ...]
    """1 per literal segment: compared lexicographically, the most literal match wins."""


def _compile(path: str) -> _Template:
    parts = segments(path)
    patterns = tuple(
        re.compile("".join(_piece(chunk) for chunk in re.split(r"(\{[^{}/]+\})", part)) + r"\Z")
        for part in parts
    )
    return _Template(path, patterns, tuple(0 if _PARAM.search(p) else 1 for p in parts))


def _piece(chunk: str) -> str:
    return "[^/]+" if _PARAM.fullmatch(chunk) else re.escape(chunk)


class ContractRoutes:
    """The contract's path templates, matched segment by segment."""

    def __init__(self, api: Api) -> None:
        self._by_length: dict[int, list[_Template]] = {}
        for path in dict.fromkeys(op.path for op in api.operations):
            template = _compile(path)
            self._by_length.setdefault(len(template.parts), []).append(template)
        for templates in self._by_length.values():
            templates.sort(key=lambda t: t.rank, reverse=True)
        self.paths = frozenset(op.path for op in api.operations)
        self._bases = _base_paths(api)
        self._cache: dict[str, str | None] = {}

    def match(self, path: str) -> str | None:
        """The contract template ``path`` falls under, or None."""
        if path not in self._cache:
            self._cache[path] = next(
                (hit for base in self._bases if (hit := self._match(path, base))), None
            )
        return self._cache[path]

    def relative(self, path: str) -> str:
        """``path`` without the longest server base path it starts with (templates are relative)."""
        for base in self._bases:
            if base and path.startswith(base + "/"):
                return path[len(base) :]
        return path

    def _match(self, path: str, base: str) -> str | None:
        if base and not (path == base or path.startswith(base + "/")):
            return None
        parts = segments(path[len(base) :])
        for template in self._by_length.get(len(parts), ()):
            if all(p.match(s) for p, s in zip(template.parts, parts, strict=True)):
                return template.path
        return None


def _base_paths(api: Api) -> tuple[str, ...]:
    bases = {urlsplit(server.url).path.rstrip("/") for server in api.servers}
    # Longest first: /api/v2 before /api before the bare path.
    return tuple(sorted(bases | {""}, key=len, reverse=True))


@dataclass(slots=True)
class _Node:
    children: dict[str, _Node] = field(default_factory=dict)
    end: bool = False
    """Whether a path ends here."""
    merged: frozenset[str] = frozenset()
    """The literal children that were values and now live under ``{name}``."""


def _literal(segment: str) -> bool:
    return value_kind(segment) is None and VERSION.match(segment) is None


def _shape(segment: str) -> str:
    kind = value_kind(segment)
    return f"{{{kind}}}" if kind else segment


def infer(paths: Iterable[str], many: int = MANY) -> Mapping[str, str]:
    """Each raw path mapped to an inferred template."""
    unique = list(dict.fromkeys(paths))
    root = _Node()
    for path in unique:
        _insert(root, [_shape(s) for s in segments(path)])
    _merge(root, many)
    return {path: _resolve(root, segments(path)) for path in unique}


def _insert(node: _Node, shapes: list[str]) -> None:
    for shape in shapes:
        node = node.children.setdefault(shape, _Node())
    node.end = True


def _merge(node: _Node, many: int, collections: bool = True) -> None:
    if not collections:
        groups: dict[tuple[bool, frozenset[str]], list[str]] = {}
        for name, child in node.children.items():
            if _literal(name) and not name.startswith("{"):
                groups.setdefault((child.end, frozenset(child.children)), []).append(name)
        values = [name for group in groups.values() if len(group) >= many for name in group]
        if values:
            node.merged = frozenset(values)
            target = node.children.setdefault("{name}", _Node())
            for name in values:
                _union(target, node.children.pop(name))
    for name, child in node.children.items():
        _merge(child, many, collections=VERSION.match(name) is not None)


def _union(into: _Node, other: _Node) -> None:
    into.end = into.end or other.end
    for name, child in other.children.items():
        if name in into.children:
            _union(into.children[name], child)
        else:
            into.children[name] = child


def _resolve(node: _Node, parts: list[str]) -> str:
    shapes: list[str] = []
    for part in parts:
        shape = _shape(part)
        if part in node.merged:
            shape = "{name}"
        shapes.append(shape)
        node = node.children.get(shape, _Node())
    return "/" + "/".join(shapes)
