"""Signing keys for JWT verification: a JWKS fetched from a URL or via OIDC discovery.

Keys are parsed once into joserfc key objects and held by ``kid``; each key's
algorithm is pinned from its own ``alg`` or, failing that, its key type, so a token
can never make an RSA public key act as an HMAC secret (RFC 8725 §3.1). Fetches go
through :func:`apiward.core.netsafe.async_client` (SSRF-safe; ``allow_private`` for
local IdPs). An unknown ``kid`` triggers at most one refresh per
``jwks_refresh_interval`` seconds; the set is refreshed after ``jwks_ttl``.
When the endpoint is down and the set is stale (or was never fetched), lookups
raise :class:`Unavailable` (503, fail closed) unless the policy says
``jwks_unavailable: use-cached``, which keeps serving the last good set.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

import httpx
from joserfc.errors import JoseError
from joserfc.jwk import JWKRegistry, Key

from apiward.core import netsafe
from apiward.core.errors import UnsafeAddressError
from apiward.guard.authn.config import JwtConfig
from apiward.guard.authn.identity import Invalid, Unavailable

_MAX_JWKS_BYTES = 256 * 1024
_RETRY_DOWN = 2.0  # seconds between fetch attempts while the endpoint is failing
_FAMILY = {"RSA": ("RS", "PS"), "EC": ("ES",), "OKP": ("EdDSA", "Ed25519"), "oct": ("HS",)}
_CURVE_ALG = {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}

PinnedKey = tuple[Key, frozenset[str]]
"""A parsed key and the algorithms it may verify."""


def pinned(key: Key, allowed: tuple[str, ...]) -> PinnedKey:
    """The key with the algorithms it may be used with: its ``alg``, else its family."""
    declared = key.get("alg") if hasattr(key, "get") else None
    if isinstance(declared, str):
        return key, frozenset({declared} & set(allowed))
    prefixes = _FAMILY.get(key.key_type, ())
    algs = {alg for alg in allowed if alg.startswith(prefixes)}
    curve = key.get("crv") if key.key_type == "EC" else None
    if isinstance(curve, str):
        algs &= {_CURVE_ALG.get(curve, "")}
    return key, frozenset(algs)


def parse_jwks(document: Any, allowed: tuple[str, ...]) -> dict[str | None, PinnedKey]:
    """``kid`` → pinned key for every signing key in a JWKS document."""
    if not isinstance(document, Mapping) or not isinstance(document.get("keys"), list):
        raise ValueError("not a JWKS document (no keys list)")  # noqa: TRY004 - bad input
    keys: dict[str | None, PinnedKey] = {}
    for entry in document["keys"]:
        if not isinstance(entry, Mapping) or entry.get("use", "sig") != "sig":
            continue
        if entry.get("kty") == "oct":
            continue  # a published symmetric key would be a secret anyone can read
        try:
            key = JWKRegistry.import_key(dict(entry))
        except (JoseError, ValueError, TypeError):
            continue
        kid = entry.get("kid")
        keys[kid if isinstance(kid, str) else None] = pinned(key, allowed)
    return keys


class JwksSource:
    """The issuer's signing keys, cached, refreshed on TTL and (rate-limited) on unknown kid."""

    def __init__(self, config: JwtConfig) -> None:
        self.config = config
        self.keys: dict[str | None, PinnedKey] = {}
        self.fetched_at = 0.0
        self.tried_at = -1e9
        self.failed = False
        self.kid_refresh_at = -1e9
        self.jwks_url = config.jwks_url
        self._lock = asyncio.Lock()

    async def key(self, kid: str | None) -> PinnedKey:
        """The pinned key for ``kid``; Invalid when unknown, Unavailable when keys cannot be had."""
        now = time.monotonic()
        if not self.keys or now - self.fetched_at > self.config.jwks_ttl:
            await self._refresh(now, stale_ok=self.config.jwks_unavailable == "use-cached")
        found = self.keys.get(kid)
        if found is None and now - self.kid_refresh_at >= self.config.jwks_refresh_interval:
            self.kid_refresh_at = now
            await self._refresh(now, stale_ok=True)  # key rotation: the new kid appears
            found = self.keys.get(kid)
        if found is None:
            raise Invalid("unknown kid")
        return found

    async def _refresh(self, now: float, *, stale_ok: bool) -> None:
        async with self._lock:
            if self.tried_at >= now:  # another request refreshed while this one waited
                return
            if self.failed and time.monotonic() - self.tried_at < _RETRY_DOWN:
                if not (stale_ok and self.keys):
                    raise Unavailable("JWKS unavailable (retrying shortly)")
                return
            self.tried_at = time.monotonic()
            self.failed = True
            try:
                self.keys = parse_jwks(await self._fetch(), self.config.algorithms)
                self.fetched_at = time.monotonic()
                self.failed = False
            except (httpx.HTTPError, UnsafeAddressError, ValueError) as error:
                if not (stale_ok and self.keys):
                    raise Unavailable(f"JWKS unavailable: {error}") from None

    async def _fetch(self) -> Any:
        async with netsafe.async_client(
            allow_private=self.config.allow_private, timeout=3.0, max_redirects=2
        ) as http:
            if self.jwks_url is None:
                self.jwks_url = await self._discover(http)
            return await _json(http, self.jwks_url)

    async def _discover(self, http: httpx.AsyncClient) -> str:
        document = await _json(http, str(self.config.discovery))
        # OIDC Discovery §4.3: the document's issuer must be exactly the configured one.
        if not isinstance(document, Mapping) or document.get("issuer") != self.config.issuer:
            raise ValueError("discovery document names another issuer")
        uri = document.get("jwks_uri")
        if not isinstance(uri, str) or not uri.startswith(("https://", "http://")):
            raise ValueError("discovery document has no jwks_uri")
        return uri


async def _json(http: httpx.AsyncClient, url: str) -> Any:
    response = await http.get(url, headers={"accept": "application/json"})
    response.raise_for_status()
    if len(response.content) > _MAX_JWKS_BYTES:
        raise ValueError("JWKS document too large")
    return response.json()
