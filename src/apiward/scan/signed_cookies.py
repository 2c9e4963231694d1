"""Signed session cookies as an attacker handles them: read the session, guess the key, re-sign.

Many frameworks keep the whole session in the cookie, signed with ``itsdangerous`` but
not encrypted: anyone can read it, and whoever knows the secret key can write it.

=========  ===================================================================
Starlette  ``SessionMiddleware``: ``base64(json)`` ``.timestamp.signature``
           (``TimestampSigner``, salt ``itsdangerous.Signer``, django-concat keys)
Flask      ``SecureCookieSessionInterface``: ``[.]base64url([zlib] json)``
           ``.timestamp.signature`` (salt ``cookie-session``, HMAC-derived keys)
=========  ===================================================================

:func:`read` gives a cookie's session (unverified: for the scan's own cookies, to learn
an identity's own id); :func:`crack` finds which bundled or given secret signed a cookie,
offline (one HMAC per guess, no request); :func:`forge` signs a session with it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, TimestampSigner


@dataclass(frozen=True, slots=True, kw_only=True)
class Scheme:
    """How one framework signs and encodes its session cookie."""

    name: str
    salt: str
    key_derivation: str
    urlsafe: bool
    """base64url with zlib allowed (Flask), else standard base64 (Starlette)."""

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
        compressed = self.urlsafe and payload.startswith(".")
        text = payload[1:] if compressed else payload
        try:
            if self.urlsafe:
                raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            else:
                raw = base64.b64decode(text, validate=True)
            data = json.loads(zlib.decompress(raw) if compressed else raw)
        except (ValueError, binascii.Error, zlib.error):
            return None
        return data if isinstance(data, dict) else None

    def encode(self, session: Mapping[str, Any]) -> bytes:
        """A session as this framework writes it in the cookie, before signing."""
        raw = json.dumps(session, separators=(",", ":")).encode()
        if self.urlsafe:
            return base64.urlsafe_b64encode(raw).rstrip(b"=")
        return base64.b64encode(raw)


SCHEMES = (
    Scheme(name="Starlette", salt="itsdangerous.Signer", key_derivation="django-concat", urlsafe=False),
    Scheme(name="Flask", salt="cookie-session", key_derivation="hmac", urlsafe=True),
)  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class SignedCookie:
    """A cookie value read as a signed session; ``schemes``: the formats it can be in."""

    value: str
    session: Mapping[str, Any]
    schemes: tuple[Scheme, ...]


def read(value: str) -> SignedCookie | None:
    """``value`` as a signed session cookie (its signature unchecked), or None."""
    parts = value.rsplit(".", 2)
    if len(parts) != 3 or not all(parts) or not _timestamp(parts[1]):
        return None
    found = [(scheme, scheme.decode(parts[0])) for scheme in SCHEMES]
    readable = [(scheme, session) for scheme, session in found if session is not None]
    if not readable:
        return None
    return SignedCookie(value=value, session=readable[0][1], schemes=tuple(s for s, _ in readable))


def crack(cookie: SignedCookie, secrets: Iterable[str]) -> tuple[Scheme, str] | None:
    """The scheme and the secret among ``secrets`` that signed ``cookie`` (offline), or None."""
    for secret in secrets:
        for scheme in cookie.schemes:
            try:
                scheme.signer(secret).unsign(cookie.value)
            except BadSignature:
                continue
            return scheme, secret
    return None


def forge(scheme: Scheme, secret: str, session: Mapping[str, Any]) -> str:
    """A cookie value holding ``session``, signed now with ``secret`` as ``scheme`` does."""
    return scheme.signer(secret).sign(scheme.encode(session)).decode()


def _timestamp(segment: str) -> bool:
    """True for itsdangerous' timestamp: a base64url integer of a few bytes (a JWT's is JSON)."""
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (ValueError, binascii.Error):
        return False
    return 4 <= len(raw) <= 8
