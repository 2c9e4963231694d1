"""Identity cookies anyone can write: who the user is, in plain, URL-encoded, base64 or hex form.

Many apps keep "who this is" in a cookie of their own — a "keep me signed in" cookie, a
``user_id`` beside the session — and trust it on the way back with no signature:

=====================================  ============================================
``user_id=3``                          the id itself
``remember=YWxpY2U=``                  base64 of ``alice``
``auth="{\\"user\\": \\"alice\\"}"``   JSON, quoted as werkzeug and ``http.cookies`` write it
``shelf_remember=eyJ1aWQiOiI3In0%3D``  base64 of ``{"uid":"7"}``, URL-encoded (Express)
``who=j%3A%7B%22id%22%3A3%7D``         Express's own JSON cookie, ``j:{"id":3}``
``u=616c696365``                       hex of ``alice``
=====================================  ============================================

:func:`read` peels the layers such a value can be wrapped in (at most three), and gives a
:class:`Reading` only when they explain all of it: strict decoding that encodes back to the
same text, UTF-8 text, and a content that is a whole JSON object or exactly one of the
identifiers it is given. So a signed value never reads — its signature is a segment no
layer explains (itsdangerous' ``.timestamp.signature``, Express's ``s:…``, a JWT's third
part, Mojolicious' ``--hmac``) — and neither does JSON that carries a signature-like field
(``sig``, ``hmac``, ``token``…) or a long random-looking string (a MAC, a server-side
token). :meth:`Reading.forge` writes other content back through the same layers.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections import deque
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from enum import StrEnum
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import quote, unquote

from apiward.scan import signed_cookies
from apiward.scan.fields import tokens

DEPTH = 3
"""Layers peeled at most: URL-encoded base64 of JSON is two; three leaves room for quoting."""

_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
_BASE64 = re.compile(r"[A-Za-z0-9+/]{4,}={0,2}")
_BASE64URL = re.compile(r"[A-Za-z0-9_-]{4,}={0,2}")
_HEX = re.compile(r"(?:[0-9a-fA-F]{2})+")
_URI_SAFE = "!'()*-._~"
"""What ``encodeURIComponent`` leaves as it is (Express writes cookie values with it)."""
_SIGNED_WORDS = frozenset({"sig", "signature", "mac", "hmac", "hash", "digest", "token", "nonce"})
_SIGNED_WORDS |= {"secret"}
_RANDOM = re.compile(r"[A-Za-z0-9+/=_-]{32,}")
_UUID = re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
_JWT_LIKE = re.compile(r"ey[A-Za-z0-9_-]+\.ey[A-Za-z0-9_-]+\.")


class Kind(StrEnum):
    """A layer a cookie value can be wrapped in, named as a finding says it."""

    QUOTED = "quoted"
    URL = "URL-encoded"
    EXPRESS = "j:-prefixed"
    BASE64 = "base64 of"
    BASE64URL = "base64url of"
    HEX = "hex of"


@dataclass(frozen=True, slots=True, kw_only=True)
class Layer:
    """One layer, with how it was written (so a forged value is written the same way)."""

    kind: Kind
    padded: bool = False
    """base64: ``=`` padding kept."""
    upper: bool = False
    """hex: upper-case digits."""

    def decode(self, text: str) -> str | None:
        """``text`` with this layer taken off, or None when it is not written this way."""
        try:
            raw = _DECODERS[self.kind](text)
        except (ValueError, binascii.Error, UnicodeDecodeError):
            return None
        if raw is None or raw == text or not raw.isprintable():
            return None
        # base64 and hex have one spelling: a value that does not encode back holds more
        # than they explain (stray bits, another alphabet). Quoting and percent-encoding
        # are spelt differently by each framework, so for them a clean decoding suffices.
        canonical = self.kind in {Kind.BASE64, Kind.BASE64URL, Kind.HEX}
        return raw if not canonical or self.encode(raw) == text else None

    def encode(self, text: str) -> str:
        """``text`` wrapped in this layer."""
        if self.kind is Kind.QUOTED:
            return SimpleCookie().value_encode(text)[1].strip('"')
        if self.kind is Kind.URL:
            return quote(text, safe=_URI_SAFE)
        if self.kind is Kind.EXPRESS:
            return "j:" + text
        if self.kind is Kind.HEX:
            digits = text.encode().hex()
            return digits.upper() if self.upper else digits
        coded = (
            base64.urlsafe_b64encode(text.encode())
            if self.kind is Kind.BASE64URL
            else base64.b64encode(text.encode())
        ).decode()
        return coded if self.padded else coded.rstrip("=")


def _unquoted(text: str) -> str | None:
    if "\\" not in text:
        return None
    return str(SimpleCookie().value_decode(f'"{text}"')[0])


def _unpercent(text: str) -> str | None:
    if not _PERCENT.search(text):
        return None
    return unquote(text, errors="strict")


def _express(text: str) -> str | None:
    return text[2:] if text.startswith("j:") else None


def _unbase64(text: str) -> str | None:
    if not _BASE64.fullmatch(text):
        return None
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True).decode()


def _unbase64url(text: str) -> str | None:
    if not _BASE64URL.fullmatch(text):
        return None
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()


def _unhex(text: str) -> str | None:
    return bytes.fromhex(text).decode() if _HEX.fullmatch(text) else None


_DECODERS = {
    Kind.QUOTED: _unquoted,
    Kind.URL: _unpercent,
    Kind.EXPRESS: _express,
    Kind.BASE64: _unbase64,
    Kind.BASE64URL: _unbase64url,
    Kind.HEX: _unhex,
}


def _layers(text: str) -> Iterator[Layer]:
    """The layers ``text`` may be written in, each with the manner it shows."""
    yield Layer(kind=Kind.QUOTED)
    yield Layer(kind=Kind.URL)
    yield Layer(kind=Kind.EXPRESS)
    padded = text.endswith("=") or len(text) % 4 == 0
    yield Layer(kind=Kind.BASE64, padded=padded)
    yield Layer(kind=Kind.BASE64URL, padded=padded)
    yield Layer(kind=Kind.HEX, upper=any(c in "ABCDEF" for c in text))


@dataclass(frozen=True, slots=True, kw_only=True)
class Reading:
    """A cookie value the layers explain whole: what it holds and how it is written."""

    layers: tuple[Layer, ...]
    """Outermost first."""
    content: dict[str, Any] | str
    """A JSON object, or a bare identifier."""
    spaced: bool = False
    """The JSON was written with spaces after ``:`` and ``,`` (Python's default)."""

    def describe(self, inner: str) -> str:
        """How the value is written around ``inner``: ``URL-encoded base64 of`` + ``inner``."""
        return " ".join([*(layer.kind.value for layer in self.layers), inner])

    def text(self, content: dict[str, Any] | str) -> str:
        """``content`` as this value's innermost text."""
        if isinstance(content, str):
            return content
        separators = (", ", ": ") if self.spaced else (",", ":")
        return json.dumps(content, separators=separators)

    def forge(self, content: dict[str, Any] | str) -> str:
        """A cookie value holding ``content``, written as this one is."""
        value = self.text(content)
        for layer in reversed(self.layers):
            value = layer.encode(value)
        if any(layer.kind is Kind.QUOTED for layer in self.layers):
            return f'"{value}"'
        return value


def read(value: str, identifiers: Collection[str]) -> Reading | None:
    """``value`` as a reading its layers explain whole, fewest layers first; None if none does.

    ``identifiers`` are the texts a bare content may be (an identity's id, name, e-mail).
    """
    if _signed(value):
        return None
    queue: deque[tuple[tuple[Layer, ...], str]] = deque([((), value)])
    while queue:
        layers, text = queue.popleft()
        reading = _content(layers, text, identifiers)
        if reading is not None:
            return reading
        if len(layers) < DEPTH:
            for layer in _layers(text):
                inner = layer.decode(text)
                if inner is not None:
                    queue.append(((*layers, layer), inner))
    return None


def _signed(value: str) -> bool:
    """A known signed format: Express's ``s:``, a JWT, a framework's signed session."""
    plain = unquote(value)
    return (
        plain.startswith("s:")
        or _JWT_LIKE.search(plain) is not None
        or signed_cookies.read(value) is not None
    )


def _content(layers: tuple[Layer, ...], text: str, identifiers: Collection[str]) -> Reading | None:
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            return None
        if not isinstance(data, dict) or _marked(data, identifiers):
            return None
        return Reading(layers=layers, content=data, spaced='": ' in text or '", ' in text)
    if layers and layers[-1].kind is Kind.EXPRESS:
        return None  # ``j:`` prefixes JSON only
    if any(same(text, known) for known in identifiers):
        return Reading(layers=layers, content=text)
    return None


def same(value: Any, identifier: str) -> bool:
    """True when a cookie's ``value`` is ``identifier`` (e-mail addresses in any case)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return False
    text = str(value)
    return text == identifier or ("@" in text and text.lower() == identifier.lower())


def _marked(data: dict[str, Any], identifiers: Collection[str], depth: int = 2) -> bool:
    """True when JSON carries what a signature or a server-side token looks like."""
    for key, value in data.items():
        if _SIGNED_WORDS & set(tokens(str(key))):
            return True
        if isinstance(value, dict) and depth > 1 and _marked(value, identifiers, depth - 1):
            return True
        if (
            isinstance(value, str)
            and _RANDOM.fullmatch(value)
            and not _UUID.fullmatch(value)
            and value not in identifiers
        ):
            return True
    return False


def paths(data: dict[str, Any], depth: int = 2) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every scalar of a JSON cookie with its path of keys (nested objects to ``depth``)."""
    for key, value in data.items():
        if isinstance(value, dict):
            if depth > 1:
                yield from (((key, *p), v) for p, v in paths(value, depth - 1))
        elif not isinstance(value, list):
            yield (key,), value


def replaced(data: dict[str, Any], changes: dict[tuple[str, ...], Any]) -> dict[str, Any]:
    """``data`` with the scalar at each path of ``changes`` set to its new value."""
    copy: dict[str, Any] = json.loads(json.dumps(data))
    for path, value in changes.items():
        node = copy
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return copy
