"""An id no object has, in the shape of the ids an API does have.

The authorization checks' controls ask for an object that does not exist: a write naming
it must fail, or a lower identity's answer there must be a lookup, not a refusal. The
answer is only a lookup's when the id gets as far as the lookup: an API that checks its
ids against the contract's ``pattern`` (Connexion, any validating gateway) answers 400 to
``apiward-missing-…`` before it looks anything up, and the scan cannot tell that 400 from
a refusal, nor read the object back to know that nothing was there. So the missing id
keeps a real id's prefix, separators, length and character classes (``doc_sqnbomzwlqci``
→ ``doc_zzzzzzzzzzzz``), and fits the schema's ``pattern`` and ``format`` when it has them.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

MISSING_NUMBER = 987654321
MISSING_UUID = "00000000-0000-4000-8000-00000000a11d"
FALLBACK = "apiward-no-such-object-0"
_SEPARATORS = "_-:./"
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_NOTHING: ContextVar[bool] = ContextVar("apiward_names_nothing", default=False)


@contextmanager
def naming_nothing() -> Iterator[None]:
    """Writes sent inside name an object that does not exist (a control's missing id): there
    is nothing to read first, nor to put back, unless the API answers one 2xx (the ledger
    then lists it). Such a control had been withheld where nothing could read the missing
    object ("no identity may read /admin/users/987654321"), and its check with it."""
    token = _NOTHING.set(True)
    try:
        yield
    finally:
        _NOTHING.reset(token)


def names_nothing() -> bool:
    """Whether the request being sent names an object that does not exist (``naming_nothing``)."""
    return _NOTHING.get()


def missing(value: object = None, schema: Mapping[str, Any] | None = None) -> str | int:
    """A value no object has: of ``value``'s shape when one is known, fitting ``schema``."""
    schema = schema or {}
    types = schema.get("type")
    if isinstance(value, int) or str(value).isdigit() or types == "integer":
        return MISSING_NUMBER
    if schema.get("format") == "uuid" or _is_uuid(value):
        return MISSING_UUID
    pattern = schema.get("pattern")
    plain = f"apiward-missing-{value}" if value is not None else FALLBACK
    for candidate in _shaped(value), plain, FALLBACK:
        if candidate and _fits(candidate, pattern):
            return candidate
    return plain


def _shaped(value: object) -> str:
    """``value`` with the characters after its last separator replaced, class for class."""
    if not isinstance(value, str) or not value:
        return ""
    cut = max(value.rfind(s) for s in _SEPARATORS) + 1
    head, tail = value[:cut], value[cut:]
    if not tail:
        return ""
    hexed = bool(_HEX.match(tail)) and not tail.isalpha()
    return head + "".join(_stand_in(c, hexed) for c in tail)


def _stand_in(char: str, hexed: bool) -> str:
    if char.isdigit():
        return "0"
    if char.isalpha():
        letter = "f" if hexed else "z"
        return letter.upper() if char.isupper() else letter
    return char


def _fits(candidate: str, pattern: object) -> bool:
    if not isinstance(pattern, str):
        return True
    try:
        return re.search(pattern, candidate) is not None
    except re.error:
        return True


def _is_uuid(value: object) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True
