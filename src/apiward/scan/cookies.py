"""One identity's cookie jar: what the target set for it, sent back where it applies.

The basics of RFC 6265 and no more, because a scan talks to one host: a cookie is
replaced by name and path, deleted by ``Max-Age`` <= 0 or an ``Expires`` in the past,
and sent only under its ``Path`` (by default the directory of the request that set
it). ``Domain`` and ``Secure`` are ignored: every request goes to the one target, and
a scan of ``http://localhost`` must still send a ``Secure`` session cookie back.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class Cookie:
    """One cookie as a ``Set-Cookie`` header set it."""

    name: str
    value: str
    path: str = "/"
    expires: float | None = None
    """Seconds since the epoch after which it is gone (None: for the whole scan)."""

    def live(self, now: float) -> bool:
        """True until it expires."""
        return self.expires is None or self.expires > now

    def applies(self, path: str) -> bool:
        """True when a request to ``path`` carries it (RFC 6265 path-match)."""
        if path == self.path or self.path == "/":
            return True
        prefix = self.path if self.path.endswith("/") else self.path + "/"
        return path.startswith(prefix)


def parse(header: str, request_path: str, now: float | None = None) -> Cookie | None:
    """The cookie a ``Set-Cookie`` value sets (None when it is not one)."""
    pair, *attributes = header.split(";")
    name, sep, value = pair.partition("=")
    if not sep or not name.strip():
        return None
    now = time.time() if now is None else now
    path, expires, max_age = _default_path(request_path), None, None
    for attribute in attributes:
        key, _, text = attribute.strip().partition("=")
        key, text = key.strip().lower(), text.strip()
        if key == "path" and text.startswith("/"):
            path = text
        elif key == "max-age" and text.lstrip("-").isdigit():
            max_age = now + int(text)
        elif key == "expires":
            expires = _date(text)
    # Max-Age wins over Expires (RFC 6265 5.3, step 3).
    when = max_age if max_age is not None else expires
    return Cookie(name=name.strip(), value=value.strip().strip('"'), path=path, expires=when)


class Jar:
    """The cookies the target set for one identity, by name and path."""

    def __init__(self) -> None:
        self._cookies: dict[tuple[str, str], Cookie] = {}

    def update(self, headers: Iterable[str], request_path: str) -> tuple[Cookie, ...]:
        """Take in the ``Set-Cookie`` values of one answer; the live cookies they set."""
        now = time.time()
        kept: list[Cookie] = []
        for header in headers:
            cookie = parse(header, request_path, now)
            if cookie is None:
                continue
            self._cookies.pop((cookie.name, cookie.path), None)
            if cookie.live(now):
                self._cookies[(cookie.name, cookie.path)] = cookie
                kept.append(cookie)
        return tuple(kept)

    def keep(self, cookies: Iterable[Cookie]) -> None:
        """Take in cookies read elsewhere (a login's), replacing same name and path."""
        for cookie in cookies:
            self._cookies[(cookie.name, cookie.path)] = cookie

    def matching(self, path: str | None = None) -> tuple[tuple[str, str], ...]:
        """(name, value) of the live cookies a request to ``path`` carries (all when None)."""
        now = time.time()
        found = [
            c for c in self._cookies.values() if c.live(now) and (path is None or c.applies(path))
        ]
        # The most specific path first, so it wins when two share a name.
        found.sort(key=lambda c: -len(c.path))
        chosen: dict[str, str] = {}
        for cookie in found:
            chosen.setdefault(cookie.name, cookie.value)
        return tuple(chosen.items())


def _default_path(request_path: str) -> str:
    if not request_path.startswith("/") or request_path.count("/") <= 1:
        return "/"
    return request_path[: request_path.rindex("/")]


def _date(text: str) -> float | None:
    try:
        return parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError, IndexError):
        return None
