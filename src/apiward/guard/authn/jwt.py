"""JWT bearer tokens verified with joserfc (it refused every hostile token we tried).

Before joserfc sees a token this module caps its size (RFC 8725 §3), reads the header
itself and refuses ``alg`` outside the policy's allow-list (``none`` is never in it),
``jku``/``x5u``/``jwk``/``x5c`` (keys named by the token), any ``crit`` (no extension
is supported), a non-string or over-long ``kid`` (it is only a dictionary key) and,
when the policy asks, a ``typ`` other than ``at+jwt`` (RFC 9068). The key comes from
the issuer's JWKS by ``kid`` (or from a shared secret named by an environment
variable) and carries its own pinned algorithms, so an RSA key can never verify an
HS256 token (key confusion). Claims: exact ``iss``, ``aud`` containing one of this
API's audiences, ``exp``/``nbf`` with at most 60 s leeway.

Verified tokens are cached by SHA-256 of the token until their ``exp`` (at most five
minutes), so a repeated token costs a hash and a dictionary lookup instead of a
signature check — the "cached JWT" of the guard's overhead target.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import time
import warnings
from typing import Any

import orjson
from joserfc import jwt
from joserfc.errors import JoseError, SecurityWarning
from joserfc.jwk import OctKey

from apiward.core.errors import ConfigError
from apiward.guard.authn.config import JwtConfig
from apiward.guard.authn.identity import Identity, Invalid, identity_of
from apiward.guard.authn.jwks import JwksSource, PinnedKey, pinned

log = logging.getLogger("apiward.guard")

_FORBIDDEN_HEADERS = ("jku", "x5u", "jwk", "x5c", "crit")
_MAX_KID = 128
_MAX_HEADER_BYTES = 1024
_CACHE_SECONDS = 300.0
_CACHE_SIZE = 10_000


def shared_key(config: JwtConfig) -> PinnedKey:
    """The HMAC key named by ``secret_env``, pinned to the HS algorithms allowed."""
    secret = os.environ.get(str(config.secret_env))
    if not secret:
        raise ConfigError(
            f"environment variable {config.secret_env} (the JWT secret) is not set",
            pointer="/authentication",
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecurityWarning)
        key = OctKey.import_key(secret.encode())
    if len(secret.encode()) < 32:
        log.warning(
            "the JWT secret in %s is shorter than 32 bytes: it can be guessed", config.secret_env
        )
    key_pin = pinned(key, config.algorithms)
    if not key_pin[1]:
        raise ConfigError(
            "secret_env needs an HS algorithm in 'algorithms'", pointer="/authentication"
        )
    return key_pin


class JwtVerifier:
    """Verifies one scheme's bearer tokens and caches the verified ones until they expire."""

    def __init__(self, config: JwtConfig) -> None:
        if not config.secret_env and (config.issuer is None or not config.audiences):
            raise ConfigError(
                "a JWKS-verified scheme needs 'issuer' and 'audiences'", pointer="/authentication"
            )
        self.config = config
        self.allowed = frozenset(config.algorithms)
        self.source = None if config.secret_env else JwksSource(config)
        self.secret = shared_key(config) if config.secret_env else None
        self.claims = _claims_registry(config)
        self.cache: dict[bytes, tuple[Identity, float]] = {}

    async def verify(self, token: str) -> Identity:
        """The identity a valid token names; Invalid (or Unavailable) otherwise."""
        if len(token) > self.config.max_token_bytes:
            raise Invalid("token too large")
        digest = hashlib.sha256(token.encode()).digest()
        hit = self.cache.get(digest)
        now = time.time()
        if hit is not None and now < hit[1]:
            return hit[0]
        identity = await self._verify(token)
        self._remember(digest, identity, now)
        return identity

    def _remember(self, digest: bytes, identity: Identity, now: float) -> None:
        if len(self.cache) >= _CACHE_SIZE:
            self.cache.clear()
        until = now + _CACHE_SECONDS
        if identity.expires is not None:
            until = min(until, identity.expires + self.config.leeway)
        self.cache[digest] = (identity, until)

    async def _verify(self, token: str) -> Identity:
        header = self._header(token)
        alg = header["alg"]
        key, algs = self.secret if self.secret is not None else await self._key(header)
        if alg not in algs:
            raise Invalid(f"alg {alg} does not fit the key")
        try:
            claims = jwt.decode(token, key, algorithms=[alg]).claims
            self.claims.validate(claims)
        except (JoseError, ValueError, TypeError) as error:
            raise Invalid(f"token rejected: {type(error).__name__}") from None
        return identity_of(claims, self.config)

    async def _key(self, header: dict[str, Any]) -> PinnedKey:
        if self.source is None:
            raise Invalid("no key source")
        return await self.source.key(header.get("kid"))

    def _header(self, token: str) -> dict[str, Any]:
        parts = token.split(".")
        if len(parts) != 3 or len(parts[0]) > _MAX_HEADER_BYTES:
            raise Invalid("not a compact JWS")
        try:
            header = orjson.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
        except (ValueError, orjson.JSONDecodeError):
            raise Invalid("unreadable header") from None
        if not isinstance(header, dict) or header.get("alg") not in self.allowed:
            raise Invalid("algorithm not allowed")
        if any(name in header for name in _FORBIDDEN_HEADERS):
            raise Invalid("forbidden header parameter")
        kid = header.get("kid")
        if kid is not None and (not isinstance(kid, str) or len(kid) > _MAX_KID):
            raise Invalid("bad kid")
        if self.config.typ is not None and not _typ_matches(header.get("typ"), self.config.typ):
            raise Invalid("wrong typ")
        return header


def _claims_registry(config: JwtConfig) -> jwt.JWTClaimsRegistry:
    options: dict[str, jwt.ClaimsOption] = {
        name: {"essential": True} for name in config.required_claims
    }
    if config.issuer is not None:
        options["iss"] = {"essential": True, "value": config.issuer}
    if config.audiences:
        options["aud"] = {"essential": True, "values": list(config.audiences)}
    registry = jwt.JWTClaimsRegistry(leeway=config.leeway)
    registry.options = options  # passed as **kwargs they could collide with ``now``/``leeway``
    return registry


def _typ_matches(value: Any, expected: str) -> bool:
    if not isinstance(value, str):
        return False
    given: str = value.lower().removeprefix("application/")
    return given == expected.lower().removeprefix("application/")
