"""What a path segment is when it is a value rather than a name: ``42``, a UUID, a hash...

Each kind becomes a placeholder (``{id}``, ``{uuid}``...). The order matters: a
32-digit number is an id before it is an md5, and a 26-character ULID is tried before
the generic token test. Tokens need length, mixed classes and entropy, so that a
slug such as ``spring-sale-2026`` stays a literal.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from apiward.core.sensitive import entropy

_INT = re.compile(r"^-?\d+$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_HEX = re.compile(r"^[0-9a-f]+$", re.I)
_HASH_LENGTHS = frozenset({32, 40, 64, 128})  # md5, sha1, sha256, sha512
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_ULID = re.compile(r"^[0-7][0-9A-HJKMNP-TV-Z]{25}$", re.I)
_EMAIL = re.compile(r"^[^@\s/]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_TOKEN = re.compile(r"^[A-Za-z0-9_\-+=.~]{16,}$")
VERSION = re.compile(r"^v(\d+)$", re.I)
"""A version segment (``v1``, ``V2``): never a value, whatever its siblings."""


def _is_hash(segment: str) -> bool:
    return len(segment) in _HASH_LENGTHS and _HEX.match(segment) is not None


def _is_date(segment: str) -> bool:
    match = _DATE.match(segment)
    if match is None:
        return False
    try:
        date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return False
    return True


def _is_token(segment: str) -> bool:
    if _TOKEN.match(segment) is None or not any(c.isalpha() for c in segment):
        return False
    words = re.split(r"[-_.~]", segment)
    if len(words) > 1 and all(w.isalpha() or w.isdigit() for w in words):
        return False  # a slug: spring-sale-2026, release_notes_v2
    digits = sum(c.isdigit() for c in segment)
    mixed_case = any(c.islower() for c in segment) and any(c.isupper() for c in segment)
    return entropy(segment) >= 3.5 and (mixed_case or digits * 4 >= len(segment))


_KINDS: tuple[tuple[str, Callable[[str], bool]], ...] = (
    ("id", lambda s: _INT.match(s) is not None),
    ("uuid", lambda s: _UUID.match(s) is not None),
    ("hash", _is_hash),
    ("date", _is_date),
    ("ulid", lambda s: _ULID.match(s) is not None),
    ("email", lambda s: _EMAIL.match(s) is not None),
    ("token", _is_token),
)

KINDS = tuple(name for name, _ in _KINDS)
"""Every placeholder name a value segment can become, plus ``name`` for merged literals."""


def value_kind(segment: str) -> str | None:
    """The placeholder name for a segment that is a value, or None for a literal."""
    for name, test in _KINDS:
        if test(segment):
            return name
    return None
