"""Signed session cookies as an attacker handles them: read the session, guess the key, re-sign.

Many frameworks keep the whole session in the cookie, signed but not encrypted: anyone
can read it, and whoever knows the secret key can write it.

===========  =================================================================
Starlette    ``SessionMiddleware``: ``base64(json)`` ``.timestamp.signature``
             (``TimestampSigner``, salt ``itsdangerous.Signer``, django-concat keys)
Flask        ``SecureCookieSessionInterface``: ``[.]base64url([zlib] json)``
             ``.timestamp.signature`` (salt ``cookie-session``, HMAC-derived keys)
Django       the ``signed_cookies`` session backend (``django.core.signing``):
             ``[.]base64url([zlib] json)`` ``:base62 timestamp:signature``, HMAC-SHA256
             keyed ``sha256(salt + "signer" + SECRET_KEY)``, salt
             ``django.contrib.sessions.backends.signed_cookies``
Mojolicious  ``Mojolicious::Sessions`` (9.x) through ``Controller::signed_cookie``:
             ``base64(json + "Z" * (1025 - length))`` with ``=`` written ``-``, then
             ``--`` and the HMAC-SHA256 hex of ``name=value`` keyed with the first of
             ``app->secrets`` (the cookie's name is signed too)
===========  =================================================================

Django's and Mojolicious' formats are written here (a dozen lines of ``hmac`` each) rather
than imported: Django is no dependency of apiward, and its signer needs configured
settings; no Python library implements Mojolicious' cookies (hashcat has a mode for them).

:func:`read` gives a cookie's session (unverified: for the scan's own cookies, to learn
an identity's own id); :func:`signer` says whether a secret signed a cookie, and as which
framework, offline (one HMAC per guess, no request: ``checks._weak_keys`` runs the
dictionary); :func:`forge` signs a session with it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import string
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from itsdangerous import BadSignature, TimestampSigner


class Scheme(Protocol):
    """How one framework signs and encodes its session cookie."""

    @property
    def name(self) -> str:
        """The framework's name, for findings."""

    def split(self, value: str) -> str | None:
        """The payload segment of a cookie value in this format, or None."""

    def decode(self, payload: str) -> dict[str, Any] | None:
        """The session in a cookie's payload segment, or None when it is not one."""

    def verify(self, value: str, secret: str) -> bool:
        """True when ``secret`` signed ``value``."""

    def forge(self, secret: str, session: Mapping[str, Any]) -> str:
        """A cookie value holding ``session``, signed now with ``secret``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Dangerous:
    """A framework signing with ``itsdangerous``' ``TimestampSigner`` (Starlette, Flask)."""

    name: str
    salt: str
    key_derivation: str
    urlsafe: bool
    """base64url with zlib allowed (Flask), else standard base64 (Starlette)."""

    def split(self, value: str) -> str | None:
        """``payload.timestamp.signature`` → payload."""
        parts = value.rsplit(".", 2)
        if len(parts) != 3 or not all(parts) or not _timestamp(parts[1]):
            return None
        return parts[0]

    def verify(self, value: str, secret: str) -> bool:
        """True when ``secret`` signed ``value``."""
        try:
            self.signer(secret).unsign(value)
        except BadSignature:
            return False
        return True

    def forge(self, secret: str, session: Mapping[str, Any]) -> str:
        """A cookie value holding ``session``, signed now with ``secret``."""
        return self.signer(secret).sign(self.encode(session)).decode()

    def signer(self, secret: str) -> TimestampSigner:
        """The ``itsdangerous`` signer this framework builds from ``secret``."""
        return TimestampSigner(
            secret,
            salt=self.salt,
            key_derivation=self.key_derivation,
            digest_method=hashlib.sha1,
        )

    def decode(self, payload: str) -> dict[str, Any] | None:
        """The session in a cookie's payload segment, or None when it is not one."""
        if self.urlsafe:
            return _decode_urlsafe(payload)
        try:
            data = json.loads(base64.b64decode(payload, validate=True))
        except (ValueError, binascii.Error):
            return None
        return data if isinstance(data, dict) else None

    def encode(self, session: Mapping[str, Any]) -> bytes:
        """A session as this framework writes it in the cookie, before signing."""
        raw = json.dumps(session, separators=(",", ":")).encode()
        if self.urlsafe:
            return base64.urlsafe_b64encode(raw).rstrip(b"=")
        return base64.b64encode(raw)


_BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


@dataclass(frozen=True, slots=True, kw_only=True)
class Django:
    """Django's ``signed_cookies`` session backend, as ``django.core.signing`` writes it."""

    name: str = "Django"
    salt: str = "django.contrib.sessions.backends.signed_cookies"

    def split(self, value: str) -> str | None:
        """``payload:timestamp:signature`` → payload."""
        parts = value.rsplit(":", 2)
        if len(parts) != 3 or not all(parts) or not all(c in _BASE62 for c in parts[1]):
            return None
        return parts[0]

    def decode(self, payload: str) -> dict[str, Any] | None:
        """The session in the payload: base64url JSON, zlib-compressed after a leading dot."""
        return _decode_urlsafe(payload)

    def verify(self, value: str, secret: str) -> bool:
        """True when ``secret`` signed ``value`` (HMAC-SHA256 over ``payload:timestamp``)."""
        signed, _, signature = value.rpartition(":")
        return hmac.compare_digest(self._signature(signed, secret), signature)

    def forge(self, secret: str, session: Mapping[str, Any]) -> str:
        """A cookie value holding ``session``, signed now with ``secret``."""
        raw = json.dumps(session, separators=(",", ":")).encode()
        payload = _b64(raw)
        signed = f"{payload}:{_base62(int(time.time()))}"
        return f"{signed}:{self._signature(signed, secret)}"

    def _signature(self, value: str, secret: str) -> str:
        key = hashlib.sha256((self.salt + "signer" + secret).encode()).digest()
        return _b64(hmac.new(key, value.encode(), hashlib.sha256).digest())


_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_MOJO_PADDED = 1025
"""Mojolicious pads a session's JSON with ``Z`` to this length, so short ones do not show."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Mojolicious:
    """Mojolicious 9's cookie session: ``Mojolicious::Sessions`` through ``signed_cookie``."""

    name: str = "Mojolicious"
    cookie: str = "mojolicious"
    """The cookie's name (``sessions->cookie_name``): it is part of what is signed."""

    def split(self, value: str) -> str | None:
        """``payload--signature`` → payload, for a signature of 64 hex digits."""
        payload, dashes, signature = value.rpartition("--")
        if not dashes or not payload or not _SHA256_HEX.fullmatch(signature):
            return None
        return payload

    def decode(self, payload: str) -> dict[str, Any] | None:
        """The session in the payload: base64 (``-`` for ``=``) of JSON padded with ``Z``."""
        try:
            raw = base64.b64decode(payload.replace("-", "="), validate=True)
            data = json.loads(raw.rstrip(b"Z"))
        except (ValueError, binascii.Error):
            return None
        return data if isinstance(data, dict) else None

    def verify(self, value: str, secret: str) -> bool:
        """True when ``secret`` signed ``value`` (HMAC-SHA256 hex of ``cookie=payload``)."""
        payload, _, signature = value.rpartition("--")
        return hmac.compare_digest(self._signature(payload, secret), signature)

    def forge(self, secret: str, session: Mapping[str, Any]) -> str:
        """A cookie value holding ``session``, signed now with ``secret``."""
        raw = json.dumps(session, separators=(",", ":")).encode()
        raw += b"Z" * (_MOJO_PADDED - len(raw))
        payload = base64.b64encode(raw).decode().replace("=", "-")
        return f"{payload}--{self._signature(payload, secret)}"

    def _signature(self, payload: str, secret: str) -> str:
        message = f"{self.cookie}={payload}".encode()
        return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


SCHEMES: tuple[Scheme, ...] = (
    Dangerous(name="Starlette", salt="itsdangerous.Signer", key_derivation="django-concat", urlsafe=False),
    Dangerous(name="Flask", salt="cookie-session", key_derivation="hmac", urlsafe=True),
    Django(),
)  # fmt: skip
"""The schemes whose signature does not depend on the cookie's name; :func:`read` adds
Mojolicious' for the name it is given."""

FRAMEWORKS: tuple[str, ...] = (*(scheme.name for scheme in SCHEMES), Mojolicious().name)
"""Every framework whose signed session cookie :func:`read` knows, for messages."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SignedCookie:
    """A cookie value read as a signed session; ``schemes``: the formats it can be in."""

    value: str
    session: Mapping[str, Any]
    schemes: tuple[Scheme, ...]


def read(value: str, name: str = Mojolicious().cookie) -> SignedCookie | None:
    """``value`` of the cookie ``name`` as a signed session (its signature unchecked), or None."""
    found = [
        (scheme, scheme.decode(payload))
        for scheme in (*SCHEMES, Mojolicious(cookie=name))
        if (payload := scheme.split(value)) is not None
    ]
    readable = [(scheme, session) for scheme, session in found if session is not None]
    if not readable:
        return None
    return SignedCookie(value=value, session=readable[0][1], schemes=tuple(s for s, _ in readable))


def signer(cookie: SignedCookie, secret: str) -> Scheme | None:
    """The scheme under which ``secret`` signed ``cookie`` (checked offline), or None."""
    return next((scheme for scheme in cookie.schemes if scheme.verify(cookie.value, secret)), None)


def forge(scheme: Scheme, secret: str, session: Mapping[str, Any]) -> str:
    """A cookie value holding ``session``, signed now with ``secret`` as ``scheme`` does."""
    return scheme.forge(secret, session)


def _decode_urlsafe(payload: str) -> dict[str, Any] | None:
    """base64url JSON, zlib-compressed when it starts with a dot (Flask, Django)."""
    compressed = payload.startswith(".")
    text = payload[1:] if compressed else payload
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        data = json.loads(zlib.decompress(raw) if compressed else raw)
    except (ValueError, binascii.Error, zlib.error):
        return None
    return data if isinstance(data, dict) else None


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _base62(number: int) -> str:
    digits = ""
    while number:
        number, rest = divmod(number, 62)
        digits = _BASE62[rest] + digits
    return digits or "0"


def _timestamp(segment: str) -> bool:
    """True for itsdangerous' timestamp: a base64url integer of a few bytes (a JWT's is JSON)."""
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (ValueError, binascii.Error):
        return False
    return 4 <= len(raw) <= 8
