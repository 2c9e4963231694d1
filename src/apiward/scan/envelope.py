"""Envelopes: the object or the list an API wraps in ``{"data": ...}``, ``{"items": [...]}``...

Real APIs rarely answer with the bare object. They wrap it::

    {"data": {"id": 7, ...}}                        {"status": "ok", "data": [...]}
    {"items": [...], "next": "..."}                 {"count": 2, "next": null, "results": [...]}
    {"result": {...}}                               {"users": [...]}
    {"user": {"id": 7, ...}}                        {"success": true, "payload": {...}}

An answer is unwrapped while it is a mapping whose *content* is one nested object or
list and whose other keys are *metadata* (status, message, paging, counts, links). The
content key is any key, not a fixed list: ``{"users": [...], "total": 3}`` unwraps to
the list because ``total`` is metadata. A mapping with two or more object-or-list values
that are not metadata (``{"user": {...}, "account": {...}}``) is the object itself, so
unwrapping never guesses between two candidates.

:func:`objects` gives a listing's objects, :func:`single` an item answer's object; both
return ``None`` when the answer is neither, so callers can tell "no data" from "empty".
"""

from __future__ import annotations

import re
from typing import Any

OBJECT_KEYS = ("data", "result", "item", "object", "record", "resource", "payload")
"""The keys an API most often wraps one new object in (``{"data": {"id": 7}}``)."""
MAX_DEPTH = 4
"""Envelopes nest (``{"data": {"result": [...]}}``), but never deeply; deeper is data."""

_META = re.compile(
    r"^(status|state|code|ok|success|successful|error|errors|message|msg|detail|details|"
    r"description|info|meta|metadata|links?|_links|next|previous|prev|first|last|self|"
    r"page|pages|page_?size|per_?page|limit|offset|cursor|next_?cursor|total|count|"
    r"skip|take|pageable|page_?number|page_?index|next_?page|prev(ious)?_?page|"  # Feathers
    r"total_?count|total_?pages|total_?(elements|items|results)|number_?of_?elements|"
    r"has_?more|has_?next|timestamp|time|took|version|"
    r"pagination|paging|pager|page_?info|_meta|"  # the Express trial's {"pagination": {...}}
    r"request_?id|trace_?id|warnings?|type|kind)$",
    re.IGNORECASE,
)


def is_meta(key: str) -> bool:
    """True for keys that describe an answer (status, paging, counts) rather than hold it."""
    return bool(_META.match(key))


def unwrap(data: Any) -> Any:
    """The content of ``data`` with every envelope around it removed (``data`` when none)."""
    for _ in range(MAX_DEPTH):
        inner = _content(data)
        if inner is None:
            return data
        data = inner
    return data


def objects(data: Any) -> list[dict[str, Any]] | None:
    """The objects of a listing answer, inside any envelope; None when it is not a listing."""
    content = unwrap(data)
    if isinstance(content, list):
        return [item for item in content if isinstance(item, dict)]
    return None


def single(data: Any) -> dict[str, Any] | None:
    """The one object of an item answer, inside any envelope; None when it is not one object."""
    content = unwrap(data)
    return content if isinstance(content, dict) else None


def _content(data: Any) -> Any:
    """The one nested object or list of an envelope, or None when ``data`` is not one."""
    if not isinstance(data, dict):
        return None
    nested = [
        (key, value)
        for key, value in data.items()
        if isinstance(value, dict | list) and not is_meta(key)
    ]
    scalars = [key for key, value in data.items() if not isinstance(value, dict | list)]
    if len(nested) != 1:
        return None
    _, value = nested[0]
    if isinstance(value, list) and value and not all(isinstance(v, dict) for v in value):
        return None  # {"tags": ["a", "b"]} is an object with a list field, not a listing
    # An object with fields of its own beside one nested value ({"id": 7, "address": {...}})
    # is the object itself: only metadata may stand beside the content.
    if any(not is_meta(k) for k in scalars):
        return None
    return value
