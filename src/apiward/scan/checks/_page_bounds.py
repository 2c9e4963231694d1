"""What bounds a page size beside the schema's ``maximum``, and what a page answer holds.

Many contracts state a page size's bound only in words (``limit``: "Page size (max 100)",
as the Fastify trial's did), and many answers say which page size they served
(``{"data": [...], "meta": {"limit": 1000}}``): with fewer items than the bound, that
echo is the only sign a page beyond it was honoured.
"""

from __future__ import annotations

import re
from typing import Any

from apiward.scan.transport import Reply

_STATED = re.compile(
    r"\b(?:max(?:imum)?|at most|up to|no more than|not more than|limited to|capped at)"
    r"\.?\s*(?:of\s+|is\s+|=\s*|:\s*)?(\d{1,6})\b",
    re.IGNORECASE,
)


def stated_maximum(*texts: str) -> int | None:
    """The largest value one of ``texts`` names as a bound ("max 100", "at most 50"), else None."""
    found = [int(m.group(1)) for text in texts for m in _STATED.finditer(text or "")]
    return max(found) if found else None


def echoes(data: Any, name: str, value: int, depth: int = 0) -> bool:
    """True when ``data`` holds ``name: value`` in an object at most three levels down.

    ``name`` is the page size's own name (``limit``, ``per_page``): an answer that names
    the size it served. Not inside lists: an item's own ``limit`` is no page's.
    """
    if not isinstance(data, dict) or depth > 3:
        return False
    for key, inner in data.items():
        if key == name and inner == value and not isinstance(inner, bool):
            return True
        if echoes(inner, name, value, depth + 1):
            return True
    return False


def count(reply: Reply) -> int | None:
    """Items in a list answer, or in the longest list of an object answer."""
    data = reply.data if reply.ok else None
    if isinstance(data, list):
        return len(data)
    if isinstance(data, dict):
        lists = [len(v) for v in data.values() if isinstance(v, list)]
        return max(lists) if lists else None
    return None


def describe(reply: Reply) -> str:
    """How much a page holds: its items, else its bytes."""
    items = count(reply)
    return f"{items} items" if items is not None else f"{len(reply.text)} bytes"


def at_most(reply: Reply, maximum: int) -> bool:
    """True when the page holds ``maximum`` items or fewer."""
    items = count(reply)
    return items is not None and items <= maximum


def at_least(reply: Reply, maximum: int | None) -> bool:
    """True when the page holds ``maximum`` items or more."""
    items = count(reply)
    return maximum is not None and items is not None and items >= maximum


def short(reply: Reply, maximum: int) -> bool:
    """True when the page holds fewer than ``maximum`` items."""
    items = count(reply)
    return items is not None and items < maximum
