"""Comparing answers: how alike two bodies are, and what one holds that another does not.

Checks decide by comparing the attacked answer with legitimate ones, never by a status
code alone. For JSON, bodies are flattened to ``(path, value)`` leaves (list indexes
dropped, so order does not matter) and compared as multisets: the score is the share of
leaves the two have in common. Other bodies are compared with ``difflib`` on the text when
both are short; a longer one (a framework's debug page runs to 60 kB, and ``difflib`` takes
quadratic time: a scan of a Django API in DEBUG spent minutes in one comparison) as a
multiset of its words and punctuation, scored as JSON leaves are, in linear time.
"""

from __future__ import annotations

import difflib
import json
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

Leaf = tuple[str, str]

SAME = 0.9
"""Two bodies at least this similar (:func:`similarity`) are the same answer."""
LONG = 4_000
"""Characters beyond which a text is compared by its tokens, not character by character."""
_TOKEN = re.compile(r"\w+|[^\w\s]")


def leaves(data: Any, prefix: str = "") -> Iterator[Leaf]:
    """Every scalar in ``data`` with its path (list indexes written as ``[]``)."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from leaves(value, f"{prefix}.{key}")
    elif isinstance(data, list):
        for value in data:
            yield from leaves(value, f"{prefix}[]")
    else:
        yield prefix, json.dumps(data, sort_keys=True)


def _parsed(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return _TEXT


_TEXT = object()


def similarity(a: str, b: str) -> float:
    """1.0 for the same content, 0.0 for nothing in common."""
    if a == b:
        return 1.0
    left, right = _parsed(a), _parsed(b)
    if left is _TEXT or right is _TEXT:
        if max(len(a), len(b)) > LONG:
            return _shared(Counter(_TOKEN.findall(a)), Counter(_TOKEN.findall(b)))
        return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
    return _shared(Counter(leaves(left)), Counter(leaves(right)))


def _shared(ones: Counter[Any], others: Counter[Any]) -> float:
    """The share of items two multisets have in common, of the larger one."""
    total = max(sum(ones.values()), sum(others.values()))
    return sum((ones & others).values()) / total if total else 1.0


def distinctive(mine: str, theirs: str) -> set[Leaf]:
    """Leaves of ``mine`` that ``theirs`` does not have (what tells the two owners apart)."""
    left, right = _parsed(mine), _parsed(theirs)
    if left is _TEXT or right is _TEXT:
        return set()
    return set(leaves(left)) - set(leaves(right))


def carries(text: str, wanted: set[Leaf]) -> float:
    """The share of ``wanted`` leaves found in ``text`` (0.0 when ``wanted`` is empty)."""
    data = _parsed(text)
    if not wanted or data is _TEXT:
        return 0.0
    return len(wanted & set(leaves(data))) / len(wanted)


def meaningful(text: str) -> bool:
    """True when a body holds data, not just an empty list, object or whitespace."""
    data = _parsed(text)
    if data is _TEXT:
        return bool(text.strip())
    return data not in (None, [], {}, "")
