"""Resources in paths: which segment names the objects (``/users/v1/{username}`` → users).

A path's *resource* is its last literal segment that is a noun, never a version or a
prefix (``v1``, ``v2.1``, ``api``, ``rest``, ``public``, ``latest``...). The *collection*
of a path parameter is the noun segment before it, with the same segments skipped, so
``/api/v2/accounts/{id}``, ``/accounts/v2/{id}`` and ``/rest/api/accounts/{id}`` all take
an account.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from apiward.spec import Operation

_NOT_A_NOUN = re.compile(
    r"^(v\d+(\.\d+)*[a-z]*|\d+(\.\d+)+|api|apis|rest|public|latest|current|stable|beta|alpha)$",
    re.IGNORECASE,
)
"""Version and prefix segments: they say which API, never which objects."""

_WORDS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
_SCRIPT = re.compile(r"\.(php\d?|aspx?|jsp|cgi|pl|json|xml)$", re.IGNORECASE)
"""A script's or a format's extension on a segment: ``/api/submissions.php?id=7`` is a
submission, ``/users.json`` users (the PHP trial's legacy scripts beside its routes)."""


def bare(segment: str) -> str:
    """``segment`` without a script's or format's extension (``submissions.php`` → submissions)."""
    return _SCRIPT.sub("", segment)


def is_noun(segment: str) -> bool:
    """True for a literal path segment that can name objects (not a parameter, not a version)."""
    return bool(segment) and not segment.startswith("{") and not _NOT_A_NOUN.match(segment)


def singular(noun: str) -> str:
    """``accounts`` → ``account``, ``entries`` → ``entry``, ``news`` → ``news``."""
    if noun.endswith("ies"):
        return noun[:-3] + "y"
    return noun[:-1] if noun.endswith("s") and len(noun) > 3 else noun


def resource_of(path: str) -> tuple[str, str]:
    """The last noun segment of ``path`` and its singular (``/api/v2/accounts`` → accounts, account)."""
    nouns = [bare(s) for s in path.strip("/").split("/") if is_noun(s)]
    segment = nouns[-1] if nouns else ""
    return segment, singular(segment)


def collection_of(path: str, parameter: str) -> str | None:
    """The noun segment before ``{parameter}`` in ``path``, or None when it has none."""
    segments = path.strip("/").split("/")
    marker = "{" + parameter + "}"
    if marker not in segments:
        return None
    before = segments[: segments.index(marker)]
    while before and not is_noun(before[-1]) and not before[-1].startswith("{"):
        before.pop()
    return bare(before[-1]) if before and is_noun(before[-1]) else None


_SEPARATORS = re.compile(r"[^a-z0-9]")


# Asked ~120,000 times in a demo scan, of a few hundred names: a few per cent of its CPU.
@functools.lru_cache(maxsize=4096)
def norm(name: str) -> str:
    """A name without case and separators (``Book_Title`` → ``booktitle``)."""
    return _SEPARATORS.sub("", name.lower())


def words(name: str) -> list[str]:
    """The words of an identifier, lower case (``bookTitle``, ``book_title`` → book, title)."""
    return [w.lower() for w in _WORDS.findall(name)]


_ME = re.compile(r"^(me|self|whoami|current|profile)$", re.IGNORECASE)
"""The last segment of a read of the caller's own record: its ``id`` is the caller's."""


def names_caller(segment: str) -> bool:
    """True for a path segment that stands for the caller (``me``, ``self``, ``whoami``)."""
    return _ME.match(segment) is not None


def on_caller(path: str) -> bool:
    """True for a path at or below a segment that stands for the caller (``/me/credits``)."""
    return any(names_caller(segment) for segment in path.split("/"))


def own_record_write(method: str, path: str) -> bool:
    """A PUT or PATCH whose path names no object: the caller's own record (``/me``, ``/profile``)."""
    return method.upper() in {"PUT", "PATCH"} and "{" not in path


_MAKING = re.compile(r"^(?:import|imports|bulk|batch|upload|clone|copy|duplicate|fork)$", re.I)
"""The last segment of a POST that adds to the collection above it (``/recipes/import``)."""


def made_in(path: str) -> str:
    """The collection a POST on ``path`` adds to: its own, or the one above an action that
    makes objects (``/recipes/import`` and ``/recipes/{slug}/clone`` → ``/recipes``).

    The Ninja trial's import made a recipe that ``DELETE /recipes/{slug}`` removes, yet
    was withheld as a creation nothing could delete, and its input checks with it.
    """
    parts = path.rstrip("/").split("/")
    if len(parts) < 3 or not _MAKING.match(parts[-1]):
        return path
    parts = parts[:-1]
    if parts[-1].startswith("{"):
        parts = parts[:-1]
    return "/".join(parts) if len(parts) > 1 and is_noun(parts[-1]) else path


_OWN_READ = re.compile(r"/(me|self|profile|account|whoami|user)/?$", re.IGNORECASE)


def own_read(operations: Iterable[Operation]) -> Operation | None:
    """A secured GET that names no object, the caller's own record first (``GET /users/me``):
    where HTTP basic credentials sent with every request are known to be taken or not."""
    reads = [o for o in operations if o.method == "GET" and not o.is_public and "{" not in o.path]
    reads.sort(key=lambda o: _OWN_READ.search(o.path) is None)
    return reads[0] if reads else None
