"""A value shown whole beside its own masked form: ``iban`` next to ``iban_last4``.

An API that masks a value (``iban_last4: "6199"``, ``cardLast4``, ``ssn_masked``) says
that the whole value is not for this caller; the same object carrying the whole value
too (``iban: "DE89 3704 0044 0532 0130 00"``) undoes the mask. The Flask trial's renter
listing, serialised with the payouts-export schema, showed every renter's full IBAN to the
maintenance staff beside the last four digits its detail view shows; both fields were
declared, so nothing was undeclared. The mask is the contract's own word on the value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from apiward.scan.resources import norm

_MASK = re.compile(r"^(?P<base>.*?)[_-]?(?:last[_-]?(?:4|four)|masked|mask|suffix|tail)$", re.I)
_DEPTH = 8


def unmasked(data: Any, path: str = "", depth: int = 0) -> Iterator[tuple[str, str]]:
    """``(path, mask)`` of each value shown whole beside its masked form, list items as ``[]``."""
    if depth > _DEPTH:
        return
    if isinstance(data, list):
        found: dict[tuple[str, str], None] = {}
        for item in data:
            found.update(dict.fromkeys(unmasked(item, f"{path}[]", depth + 1)))
        yield from found
        return
    if not isinstance(data, dict):
        return
    for key, value in data.items():
        here = f"{path}.{key}" if path else str(key)
        if isinstance(value, dict | list):
            yield from unmasked(value, here, depth + 1)
            continue
        whole = _whole(data, str(key), value)
        if whole is not None:
            yield (f"{path}.{whole}" if path else whole), str(key)


def _whole(siblings: dict[str, Any], key: str, masked: Any) -> str | None:
    """The sibling of mask ``key`` that holds the whole value it masks, if one does."""
    found = _MASK.match(key)
    shown = _digits(masked)
    if found is None or not found.group("base") or not shown:
        return None
    base = norm(found.group("base"))
    for name, value in siblings.items():
        if name == key or norm(name) not in {base, f"{base}number", f"{base}no"}:
            continue
        text = _digits(value)
        if len(text) > len(shown) + 2 and text.endswith(shown):
            return name
    return None


def _digits(value: Any) -> str:
    """The value without spaces, dashes and mask characters (``•••• 6199`` → ``6199``)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return ""
    return re.sub(r"[\s*•xX#-]", "", str(value))
