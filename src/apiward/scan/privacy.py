"""Whether an object says it is public, and the value that keeps a new one private.

Many APIs let an owner choose who sees an object: a project's ``visibility: public``, a
recipe's ``is_public: true``, a playlist's ``private: false``. Anyone reading a public
one is the design, not a broken authorization (the Litestar trial's scan made its
projects ``public``, then called bob reading them BOLA, nine times). So an object the
scan makes is made private where the contract lets its maker choose (:func:`private`,
used by the synthesizer), and an answer whose object says it is public is no proof of
BOLA (:func:`public_by`). Answers that hold only what a public profile shows (names, an
avatar, a bio) make a read BOLA medium, not high (:func:`profile_fields`).
"""

from __future__ import annotations

import re
from typing import Any

from apiward.core.sensitive import classify_value
from apiward.scan.envelope import single
from apiward.scan.fields import is_profile
from apiward.scan.resources import words
from apiward.scan.transport import Reply
from apiward.spec import Schema, json_types

_CHOICE = re.compile(
    r"^(visibility|privacy|access|access_?level|audience|sharing|share_?mode)$", re.I
)
"""Fields whose value says who may see the object."""
_PUBLIC_VALUES = frozenset(
    {"public", "everyone", "anyone", "open", "world", "internet", "all", "published", "unlisted"}
)
_PRIVATE_VALUES = ("private", "only_me", "onlyme", "me", "owner", "self", "restricted", "hidden")
_PUBLIC_FLAGS = frozenset({"public", "shared", "published", "listed", "discoverable"})
"""A boolean named so (``is_public``, ``isShared``) is true when anyone may see the object."""
_PRIVATE_FLAGS = frozenset({"private"})
"""A boolean named so (``is_private``) is false when anyone may see the object."""


def private(name: str, schema: Schema) -> Any:
    """The value of field ``name`` that keeps a new object private; None: the field says nothing."""
    if _CHOICE.match(name):
        enum = [v for v in schema.get("enum") or () if isinstance(v, str)]
        return next((v for v in enum if v.lower() in _PRIVATE_VALUES), None)
    if "boolean" not in json_types(schema):
        return None
    flags = _flag_words(name)
    if flags & _PUBLIC_FLAGS:
        return False
    if flags & _PRIVATE_FLAGS:
        return True
    return None


def public_by(data: Any) -> str:
    """The field that says ``data``'s object is public (``visibility: 'public'``), or ""."""
    if not isinstance(data, dict):
        return ""
    for name, value in data.items():
        if isinstance(value, str) and _CHOICE.match(name) and value.lower() in _PUBLIC_VALUES:
            return f"{name}: {value!r}"
        if isinstance(value, bool):
            flags = _flag_words(name)
            if (value and flags & _PUBLIC_FLAGS) or (not value and flags & _PRIVATE_FLAGS):
                return f"{name}: {str(value).lower()}"
    return ""


_UNRELEASED = frozenset({"draft", "scheduled", "pending", "unpublished", "private", "hidden"})


def unreleased(data: Any) -> str:
    """The field that says ``data``'s object is not out yet (``status: 'draft'``), or "": a
    public parent makes no draft public (the Sinatra trial's drafts of a public publication,
    anyone's to read by id, went unreported)."""
    if not isinstance(data, dict):
        return ""
    for name, value in data.items():
        said = _CHOICE.match(name) or name.lower() in {"status", "state"}
        if isinstance(value, str) and said and value.lower() in _UNRELEASED:
            return f"{name}: {value!r}"
    return ""


def _flag_words(name: str) -> frozenset[str]:
    """The words of a boolean's name once ``is``/``make`` are dropped (``isPublic`` → public)."""
    parts = [w for w in words(name) if w not in {"is", "make", "set"}]
    return frozenset(parts) if len(parts) == 1 else frozenset()


def profile_fields(*replies: Reply) -> list[str]:
    """The fields of the answers when every one is a flat public-profile object (else [])."""
    names: set[str] = set()
    for reply in replies:
        record = single(reply.data)
        if not record:
            return []
        for name, value in record.items():
            if not is_profile(name) or isinstance(value, dict | list):
                return []
            if isinstance(value, str) and classify_value(value) is not None:
                return []  # an e-mail or a phone number in a "handle" is not public data
            names.add(name)
    return sorted(names)
