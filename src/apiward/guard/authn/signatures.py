"""Signed requests: HTTP Message Signatures (RFC 9421) with Content-Digest (RFC 9530).

Verification is the PyPI ``http-message-signatures`` library's; this module
adapts an ASGI request to it and adds what the library leaves to its caller (replay detection):
a required ``nonce`` remembered for the signature window (``SET NX EX`` in Redis, or
in memory) so a captured request cannot be replayed, ``created`` within ``max_age``
seconds, the covered components ``@method @target-uri`` (plus ``content-digest``,
checked against the body, whenever there is one), and the key looked up by
``keyid`` among the policy's keys (HMAC-SHA256 secrets from environment variables).
The ``@target-uri`` is rebuilt from the scheme, the ``Host`` header and the raw path
the client sent, so a guard behind a proxy must see the client's Host.
"""

from __future__ import annotations

import datetime
import os
import time
from types import MappingProxyType
from typing import Any

import redis.asyncio
from http_message_signatures import (
    HTTPMessageSignaturesException,
    HTTPMessageVerifier,
    InvalidSignature,
    MappingKeyResolver,
    algorithms,
)

from apiward.core.errors import ConfigError
from apiward.guard.authn.config import SignaturesConfig
from apiward.guard.authn.identity import Identity, Invalid, Unavailable
from apiward.guard.context import Context
from apiward.guard.storage import StorageKind, storage_kind

_MAX_NONCE = 128


class _Request:
    """The request as the library's component resolver reads it."""

    def __init__(self, ctx: Context) -> None:
        scope = ctx.scope
        host = (ctx.header(b"host") or b"").decode("latin-1")
        raw = scope.get("raw_path") or scope["path"].encode()
        query = scope.get("query_string", b"")
        target = raw.decode("latin-1") + ("?" + query.decode("latin-1") if query else "")
        self.method = ctx.method
        self.url = f"{scope.get('scheme', 'http')}://{host}{target}"
        self.headers = _Headers(
            [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        )


class _Headers:
    """Read-only header lines in order, as the library's header view expects."""

    def __init__(self, lines: list[tuple[str, str]]) -> None:
        self.lines = lines

    def items(self) -> list[tuple[str, str]]:
        """All field lines, repeated names kept."""
        return self.lines


class NonceStore:
    """Remembers nonces for a window: a second use within it is a replay."""

    def __init__(self, url: str) -> None:
        shared = storage_kind(url, pointer="/authentication/nonce_storage") is StorageKind.REDIS
        self.redis = redis.asyncio.from_url(url, socket_timeout=0.5) if shared else None
        self.memory: dict[str, float] = {}

    async def first_use(self, nonce: str, seconds: int) -> bool:
        """True the first time ``nonce`` is seen within ``seconds``."""
        if self.redis is not None:
            try:
                return bool(
                    await self.redis.set(f"apiward/nonce/{nonce}", b"1", nx=True, ex=seconds)
                )
            except redis.RedisError:
                raise Unavailable("nonce storage unavailable") from None
        now = time.monotonic()
        if len(self.memory) > 100_000:
            self.memory = {n: t for n, t in self.memory.items() if t > now}
        if self.memory.get(nonce, 0.0) > now:
            return False
        self.memory[nonce] = now + seconds
        return True

    async def aclose(self) -> None:
        """Close the Redis connection pool, if any."""
        if self.redis is not None:
            await self.redis.aclose()


class SignatureVerifier:
    """Verifies an RFC 9421 signature on a request and refuses replays."""

    def __init__(self, config: SignaturesConfig) -> None:
        self.config = config
        secrets: dict[str, Any] = {}
        for kid, key in config.keys.items():
            value = os.environ.get(key.secret_env)
            if not value or len(value.encode()) < 32:
                raise ConfigError(
                    f"environment variable {key.secret_env} must hold a secret of at least 32 bytes",
                    pointer=f"/authentication/schemes/signatures/keys/{kid}",
                )
            secrets[kid] = value.encode()
        self.verifier = HTTPMessageVerifier(
            signature_algorithm=algorithms.HMAC_SHA256,
            key_resolver=MappingKeyResolver(public_keys=secrets, private_keys={}),
        )
        self.nonces = NonceStore(config.nonce_storage)
        self.identities = {
            kid: Identity(
                principal=key.principal,
                claims=MappingProxyType({"keyid": kid}),
                roles=frozenset(key.roles),
                scopes=frozenset(key.scopes),
            )
            for kid, key in config.keys.items()
        }

    async def verify_request(self, ctx: Context) -> Identity:
        """The signer's identity; Invalid for a bad, old, uncovering or replayed signature."""
        body = await ctx.body()
        request = _Request(ctx)
        required = list(self.config.components) + (["content-digest"] if body else [])
        try:
            results = self.verifier.verify(
                request,
                max_age=datetime.timedelta(seconds=self.config.max_age),
                require_components=required,
                body=body,
            )
        except (InvalidSignature, HTTPMessageSignaturesException, ValueError) as error:
            raise Invalid(f"signature rejected: {str(error)[:120]}") from None
        result = results[0]
        nonce = result.nonce
        if not isinstance(nonce, str) or not 8 <= len(nonce) <= _MAX_NONCE:
            raise Invalid("signature without a usable nonce")
        if not await self.nonces.first_use(nonce, self.config.max_age + 10):
            raise Invalid("nonce already used (replay)")
        return self.identities[str(result.parameters["keyid"])]

    async def aclose(self) -> None:
        """Release the nonce storage."""
        await self.nonces.aclose()
