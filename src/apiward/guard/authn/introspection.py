"""Opaque access tokens checked at an OAuth 2.0 introspection endpoint (RFC 7662).

The guard authenticates to the endpoint with client credentials read from the
environment variables the policy names (HTTP Basic, RFC 7662 §2.1) and posts the
token as a form. An active answer must name this API's issuer and audience when
the policy sets them. Answers are cached by SHA-256 of the token for
min(``exp``, ``cache_ttl``) seconds (inactive ones for ``cache_ttl``), so the IdP
sees one call per token and TTL. Endpoint failures are :class:`Unavailable` (503).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Mapping
from typing import Any

import httpx

from apiward.core import netsafe
from apiward.core.errors import ConfigError, UnsafeAddressError
from apiward.guard.authn.config import IntrospectionConfig
from apiward.guard.authn.identity import Identity, Invalid, Unavailable, identity_of, names

_CACHE_SIZE = 10_000


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise ConfigError(
            f"environment variable {name} (introspection client credentials) is not set",
            pointer="/authentication",
        )
    return value


class IntrospectionVerifier:
    """Asks the authorisation server whether a token is active; caches the answer."""

    def __init__(self, config: IntrospectionConfig) -> None:
        self.config = config
        self.auth = (_env(config.client_id_env), _env(config.client_secret_env))
        self.cache: dict[bytes, tuple[Identity | None, float]] = {}

    async def verify(self, token: str) -> Identity:
        """The token's identity when the server says it is active; Invalid otherwise."""
        if not 8 <= len(token) <= self.config.max_token_bytes:
            raise Invalid("token of implausible length")
        key = hashlib.sha256(token.encode()).digest()
        now = time.time()
        hit = self.cache.get(key)
        if hit is None or now >= hit[1]:
            hit = self._judge(await self._ask(token), now)
            if len(self.cache) >= _CACHE_SIZE:
                self.cache.clear()
            self.cache[key] = hit
        if hit[0] is None:
            raise Invalid("token not active")
        return hit[0]

    async def _ask(self, token: str) -> Any:
        form = {"token": token, "token_type_hint": "access_token"}
        try:
            # One client per call: answers are cached, and no pool outlives its event loop.
            async with netsafe.async_client(
                allow_private=self.config.allow_private, timeout=3.0, max_redirects=0
            ) as http:
                response = await http.post(self.config.endpoint, data=form, auth=self.auth)
            response.raise_for_status()
            return response.json()
        except (httpx.HTTPError, UnsafeAddressError, ValueError) as error:
            raise Unavailable(f"introspection failed: {type(error).__name__}") from None

    def _judge(self, answer: Any, now: float) -> tuple[Identity | None, float]:
        ttl = now + self.config.cache_ttl
        if not isinstance(answer, Mapping) or answer.get("active") is not True:
            return None, ttl
        exp = answer.get("exp")
        if isinstance(exp, int | float):
            if exp <= now:
                return None, ttl
            ttl = min(ttl, float(exp))
        if self.config.issuer is not None and answer.get("iss") != self.config.issuer:
            return None, ttl
        audiences = names(answer.get("aud"))
        if self.config.audiences and not audiences & set(self.config.audiences):
            return None, ttl
        try:
            return identity_of(answer, self.config), ttl
        except Invalid:
            return None, ttl
