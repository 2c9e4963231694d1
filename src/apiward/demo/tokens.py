"""Access tokens (JWT) and password hashes for the demo bank.

The vulnerable bank signs and checks its tokens by hand, and that code is the flaw;
the fixed bank uses joserfc with a random key and an algorithm allow-list.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Any, Protocol

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OctKey

TOKEN_TTL = 15 * 60
# planted: jwt-weak-secret
WEAK_SECRET = "secret"
_PBKDF2_ROUNDS = 20_000


class InvalidTokenError(Exception):
    """The token is malformed, forged or expired."""


class TokenService(Protocol):
    """Issues access tokens and reads the claims back out of them."""

    def issue(self, username: str, *, ttl: int = TOKEN_TTL) -> str:
        """A signed token for this user that expires after ``ttl`` seconds."""
        ...

    def verify(self, token: str) -> dict[str, Any]:
        """The token's claims, or InvalidTokenError."""
        ...


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class HandRolledTokens:
    """HS256 done by hand, the way too many APIs still do it."""

    def __init__(self, secret: str = WEAK_SECRET) -> None:
        self._secret = secret.encode()

    def _sign(self, signing_input: str) -> str:
        return _b64(hmac.new(self._secret, signing_input.encode(), hashlib.sha256).digest())

    def issue(self, username: str, *, ttl: int = TOKEN_TTL) -> str:
        """A signed token for this user that expires after ``ttl`` seconds."""
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        now = int(time.time())
        claims = {"sub": username, "iat": now, "exp": now + ttl}
        payload = _b64(json.dumps(claims).encode())
        return f"{header}.{payload}.{self._sign(f'{header}.{payload}')}"

    def verify(self, token: str) -> dict[str, Any]:
        """The token's claims, or InvalidTokenError."""
        try:
            header_b64, payload_b64, signature = token.split(".")
            header = json.loads(_unb64(header_b64))
            claims: dict[str, Any] = json.loads(_unb64(payload_b64))
        except ValueError as error:
            raise InvalidTokenError("malformed token") from error
        # planted: jwt-alg-none
        if str(header.get("alg", "")).lower() == "none":
            return claims
        if not hmac.compare_digest(signature, self._sign(f"{header_b64}.{payload_b64}")):
            raise InvalidTokenError("bad signature")
        # planted: jwt-expiry-not-checked (the "exp" claim is never compared with now)
        return claims


class StrictTokens:
    """Tokens issued and verified by joserfc: random 256-bit key, HS256 only, exp required."""

    def __init__(self) -> None:
        self._key = OctKey.import_key(secrets.token_bytes(32))
        self._registry = jwt.JWTClaimsRegistry(sub={"essential": True}, exp={"essential": True})

    def issue(self, username: str, *, ttl: int = TOKEN_TTL) -> str:
        """A signed token for this user that expires after ``ttl`` seconds."""
        now = int(time.time())
        claims = {"sub": username, "iat": now, "exp": now + ttl}
        return jwt.encode({"alg": "HS256", "typ": "JWT"}, claims, self._key, algorithms=["HS256"])

    def verify(self, token: str) -> dict[str, Any]:
        """The token's claims, or InvalidTokenError."""
        try:
            decoded = jwt.decode(token, self._key, algorithms=["HS256"])
            self._registry.validate(decoded.claims)
        except (JoseError, ValueError) as error:
            raise InvalidTokenError(str(error)) from error
        return dict(decoded.claims)


def hash_password(password: str, *, salt: str | None = None) -> str:
    """A salted PBKDF2 hash, as ``salt$hex``."""
    salt = salt or secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), _PBKDF2_ROUNDS)
    return f"{salt}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    """Whether a password matches a hash made by ``hash_password``."""
    salt, _, _ = stored.partition("$")
    return hmac.compare_digest(hash_password(password, salt=salt), stored)
