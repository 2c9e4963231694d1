"""Signing keys guessed offline: one dictionary and one loop, for ``jwt`` and ``session_secret``.

The dictionary is ``jwt_secrets.txt`` (the secrets frameworks ship and tutorials print),
then variants of the API's title and host (``acme-payments-secret``...). Each candidate
is checked offline by the caller's ``signs`` (an HMAC over a JWT's signing input, a
session cookie's own scheme), so no request is sent for it: a few hundred candidates
take about a millisecond (``benchmarks/jwt_crack.py``). A key found is shown by
:func:`hint`, never whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from importlib import resources
from urllib.parse import urlsplit

from apiward.scan.context import Context

_WORDS = re.compile(r"[a-z0-9]+")


def dictionary(names: Iterable[str] = ()) -> tuple[str, ...]:
    """The bundled common secrets, then variants of ``names`` (the API's title, host)."""
    text = resources.files(__package__).joinpath("jwt_secrets.txt").read_text(encoding="utf-8")
    common = [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]
    return tuple(dict.fromkeys([*common, *_variants(names)]))


def of_api(ctx: Context) -> tuple[str, ...]:
    """The dictionary for the scanned API: its title's and its host's words added."""
    host = urlsplit(ctx.sessions.transport.base_url).hostname or ""
    return dictionary([ctx.api.title, host])


def guess(candidates: Iterable[str], signs: Callable[[str], bool]) -> str | None:
    """The first candidate that ``signs`` says signed the token or cookie; None if none did."""
    return next((key for key in candidates if signs(key)), None)


def hint(key: str) -> str:
    """A guessed key as a report shows it: its first two characters and its length."""
    return f"{key[:2]}… ({len(key)} characters)"


def _variants(names: Iterable[str]) -> list[str]:
    found: list[str] = []
    for name in names:
        words = _WORDS.findall(name.lower())
        if not words:
            continue
        stems = {"".join(words), "-".join(words), "_".join(words), *words}
        for stem in sorted(stems):
            found += [stem, *(stem + end for end in ("secret", "-secret", "_secret", "-key"))]
            found += [stem + "-jwt-secret", stem + "_jwt_secret", stem + "123"]
    return found
