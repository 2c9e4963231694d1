"""Comparing failed answers: what tells two kinds apart, and when a refusal turns into a lockout.

Shared by ``login`` (wrong password for a real user vs an unknown one; a burst of wrong
passwords) and ``short_secret`` (a burst of wrong codes). Whatever the request put in the
answer (a username, a guessed code) is *masked* first, so that echoing it back is not a
difference. An answer is compared by aspect — status, redirect target, JSON shape, cookie
names, header names, and the masked body — because APIs that answer every failure with
``200`` still tell their failures apart in one of these.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from apiward.scan.cookies import parse
from apiward.scan.diff import similarity
from apiward.scan.transport import Reply

STABLE = 0.98
"""Two masked bodies at least this similar are 'the same answer'."""
THROTTLED = frozenset({423, 429, 503})
GONE = frozenset({404, 410})
"""What an object that is not there (any more) answers."""
_NOT_FOUND = re.compile(
    r"not[\s_-]?found|no such|does ?n[o']t exist|not exist|could ?n[o']t find|cannot find",
    re.IGNORECASE,
)
"""What an answer says when the object it was asked about is not there."""
_LOCKOUT = re.compile(
    r"too many|locked|lockout|blocked|suspended|temporarily|try again (later|in)|"
    r"wait|captcha|attempts? (left|remaining)|rate.?limit",
    re.IGNORECASE,
)
_VOLATILE = frozenset(
    {
        "date",
        "content-length",
        "etag",
        "last-modified",
        "expires",
        "age",
        "set-cookie",
        "server-timing",
        "x-request-id",
        "x-correlation-id",
        "x-runtime",
        "x-response-time",
        "traceparent",
    }
)


def masked(reply: Reply, masks: Sequence[str]) -> str:
    """The body with every value in ``masks`` (usernames, guesses) replaced by one marker."""
    text = reply.text
    for value in sorted(masks, key=len, reverse=True):
        if value:
            text = text.replace(value, "<masked>")
    return text


def aspects(reply: Reply, masks: Sequence[str]) -> dict[str, str]:
    """What can tell one answer from another, besides its body's words."""
    location = reply.header("location") or ""
    for value in masks:
        location = location.replace(value, "<masked>") if value else location
    cookies = sorted(c.name for c in (parse(v, "/") for v in reply.set_cookies) if c)
    headers = sorted({k.lower() for k, _ in reply.headers} - _VOLATILE)
    return {
        "status": str(reply.status),
        "redirect": location,
        "JSON keys": ", ".join(sorted(_keys(reply.data))),
        "cookies set": ", ".join(cookies),
        "header names": ", ".join(headers),
    }


def difference(one: Sequence[Reply], other: Sequence[Reply], masks: Sequence[str]) -> str | None:
    """How the ``one`` answers differ from the ``other`` ones, each kind stable; None if alike."""
    mine, theirs = ([aspects(r, masks) for r in replies] for replies in (one, other))
    for name in mine[0]:
        values = {a[name] for a in mine}, {a[name] for a in theirs}
        if len(values[0]) == len(values[1]) == 1 and values[0] != values[1]:
            return f"{name}: {_shown(mine[0][name])} vs {_shown(theirs[0][name])}"
    a, b = ([masked(r, masks) for r in replies] for replies in (one, other))
    stable = all(similarity(a[0], x) >= STABLE for x in a) and all(
        similarity(b[0], x) >= STABLE for x in b
    )
    if stable and similarity(a[0], b[0]) < STABLE:
        return "same status, different message"
    return None


def lockout(reply: Reply, first: Reply, masks: Sequence[str]) -> str | None:
    """Why ``reply`` (a later failure) is refused unlike ``first`` (the first one), or None.

    429/423/503, ``Retry-After``, another status, a lockout or CAPTCHA word that the first
    failure did not have, or a body that changed at all: each is 'slowed down or locked'.
    """
    if reply.status in THROTTLED or reply.header("retry-after") is not None:
        return f"{reply.status} with Retry-After {reply.header('retry-after') or '-'}"
    if reply.status != first.status:
        return f"status {first.status} became {reply.status}"
    now, before = masked(reply, masks), masked(first, masks)
    said = _LOCKOUT.search(now)
    if said is not None and not _LOCKOUT.search(before):
        return f"the answer now says {said.group(0)!r}"
    if similarity(now, before) < STABLE:
        return "the answer changed"
    return None


def _keys(data: Any, prefix: str = "", depth: int = 3) -> Iterator[str]:
    if isinstance(data, dict) and depth > 0:
        for key, value in data.items():
            yield prefix + str(key)
            yield from _keys(value, f"{prefix}{key}.", depth - 1)


def _shown(value: str) -> str:
    return repr(value[:60]) if value else "(none)"


def not_found(reply: Reply) -> bool:
    """True for an answer that says the object asked about is not there (404, 410, or in words)."""
    return reply.status in GONE or _NOT_FOUND.search(reply.text[:2000]) is not None
