"""YAML alias bombs: how big a document is once its aliases are expanded, counted without expanding.

``&a [lol, lol, ...]`` then ``&b [*a, *a, ...]`` nine levels deep is 1 kB of text that
stands for 10^9 values. PyYAML builds it cheaply (each alias is the same Python object),
but anything that walks or serialises it — a validator, a JSON dump, a rule over every
schema — does 10^9 steps, or runs out of memory. Every YAML reader checks the composed
tree with :func:`too_big` before it builds anything. A recursive alias (``&a [*a]``)
expands without end and counts as too big.
"""

from __future__ import annotations

import re

import yaml

# Where an anchor may stand: a node property follows a separation (space, line start) or a
# flow indicator. A match may be no anchor at all (``a=1&b=2`` in prose is not matched, but
# ``Tom &Jerry`` is): it only means the tree is weighed.
_ANCHOR = re.compile(r"(?:^|[\s\[\]{},:?\-\ufeff])&\S", re.MULTILINE)

_INFINITE = float("inf")


def too_big(root: yaml.Node, text: str) -> bool:
    """True when ``root``, composed from ``text``, stands for more values than :func:`budget` allows."""
    # Without an anchor there is no alias (an alias names an anchor, or the text does not
    # compose): every node is written out, so the text bounds them. Weighing a tree costs
    # about 40 % of what composing and building it do (the corpus's 3,311 YAML specs, where
    # 120 hold something like an anchor).
    return _ANCHOR.search(text) is not None and expanded_size(root) > budget(len(text))


def budget(size: int) -> int:
    """Values a document of ``size`` characters may stand for: without aliases, at most one per byte."""
    return 4 * size + 200_000


def expanded_size(root: yaml.Node) -> float:
    """How many nodes ``root`` stands for with every alias expanded (``inf`` when recursive)."""
    sizes: dict[int, float] = {}
    open_: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            open_.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in _children(node))
            continue
        if key in sizes:
            continue
        if key in open_:
            return _INFINITE  # an alias to a node that contains it
        open_.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in sizes)
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []
