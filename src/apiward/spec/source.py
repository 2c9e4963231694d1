"""The root document of a contract as written: its raw data, and JSON pointer → line.

The model (:class:`~apiward.spec.model.Api`) is what a contract *means*; a reviewer
also needs what it *says* (an explicit ``security: []``, an ``x-`` extension) and
where it says it. :class:`Source` keeps the root document's parsed data and text,
the text of the other documents read through ``$ref`` (for their lines), and where each
``$defs`` entry of the schema table was written.

Lines come from the YAML node tree of the text (JSON is YAML), composed once per
document on the first lookup with libyaml when available (the pure composer is
several times slower on the corpus's 10 MB specs). Each mapping's children are
indexed on first visit, so a lookup costs the pointer's depth, not the mapping's
size, however many findings ask.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from apiward.spec.documents import unescape
from apiward.spec.parse import compose

_CLoader: Any = getattr(yaml, "CSafeLoader", None)


@dataclass(frozen=True, slots=True, kw_only=True)
class Origin:
    """Where a schema table entry was written: the document's name and the JSON pointer."""

    document: str
    pointer: str


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class Source:
    """The root document of a loaded contract: name, parsed data, text and line lookup."""

    name: str
    data: Any
    text: str
    schema_origins: Mapping[str, Origin] = field(default_factory=dict)
    """``$defs`` key → where that schema was written (any document of the contract)."""
    texts: Mapping[str, str] = field(default_factory=dict)
    """The text of every other document read through ``$ref``, by document name."""
    others: Mapping[str, Any] = field(default_factory=dict)
    """The parsed data of every other document read through ``$ref``, by document name."""
    _lines: dict[str, _LineIndex] = field(default_factory=dict, init=False, repr=False)

    def at(self, pointer: str, document: str | None = None) -> Any:
        """The raw value at ``pointer`` in ``document`` (the root one by default), or None."""
        name = document or self.name
        value = self.data if name == self.name else self.others.get(name)
        for token in pointer.split("/")[1:] if pointer else ():
            token = unescape(token)
            if isinstance(value, dict):
                value = value.get(token)
            elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
                value = value[int(token)]
            else:
                return None
        return value

    def line(self, pointer: str, document: str | None = None) -> int | None:
        """The 1-based line of ``pointer`` in ``document`` (the root one by default), as near as it gets.

        None for a document the contract never read (or that was not text).
        """
        name = document or self.name
        text = self.text if name == self.name else self.texts.get(name)
        if text is None:
            return None
        if name not in self._lines:
            self._lines[name] = _LineIndex(_compose(text))
        return self._lines[name].line(pointer)


def _compose(text: str) -> yaml.Node | None:
    if _CLoader is not None:
        try:
            return yaml.compose(text, Loader=_CLoader)
        except yaml.YAMLError:
            pass  # a few real specs only the pure loader accepts
    return compose(text)


class _LineIndex:
    """Pointer lookups over a composed tree, each mapping indexed on first visit."""

    def __init__(self, tree: yaml.Node | None) -> None:
        self.tree = tree
        self._children: dict[int, dict[str, tuple[int, yaml.Node]]] = {}

    def line(self, pointer: str) -> int | None:
        node = self.tree
        if node is None:
            return None
        line: int = node.start_mark.line + 1
        for token in pointer.split("/")[1:] if pointer else ():
            child = self._child(node, unescape(token))
            if child is None:
                break
            line, node = child
        return line

    def _child(self, node: yaml.Node, token: str) -> tuple[int, yaml.Node] | None:
        """The member ``token`` and its line (a mapping member's line is its key's)."""
        if isinstance(node, yaml.SequenceNode):
            items: list[yaml.Node] = node.value
            if token.isdigit() and int(token) < len(items):
                return items[int(token)].start_mark.line + 1, items[int(token)]
            return None
        if not isinstance(node, yaml.MappingNode):
            return None
        index = self._children.get(id(node))
        if index is None:
            index = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    index.setdefault(key.value, (key.start_mark.line + 1, value))
            self._children[id(node)] = index
        return index.get(token)
