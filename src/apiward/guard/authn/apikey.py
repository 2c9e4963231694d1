"""API keys stored only as SHA-256 digests (high-entropy keys need no Argon2).

The policy lists each key's ``sha256`` hex digest with its name (the principal),
roles and scopes; the key itself is never in the policy, in memory or in a log.
A presented key is hashed once and looked up; the stored digest is then compared
with :func:`hmac.compare_digest` (no timing oracle). ``apiward guard hash-key`` prints the
digest of a new random key.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from types import MappingProxyType

from apiward.guard.authn.config import ApiKeyEntry
from apiward.guard.authn.identity import Identity, Invalid

MAX_KEY_LENGTH = 512
MIN_KEY_LENGTH = 16


def digest(key: str) -> str:
    """The SHA-256 hex digest stored in the policy for ``key``."""
    return hashlib.sha256(key.encode()).hexdigest()


def new_key(prefix: str = "aw") -> str:
    """A fresh random API key (256 bits) with a short public prefix."""
    return f"{prefix}_{secrets.token_urlsafe(32)}"


class ApiKeyVerifier:
    """Looks a presented key's digest up among the policy's stored digests."""

    def __init__(self, entries: tuple[ApiKeyEntry, ...]) -> None:
        self.entries = {entry.sha256: entry for entry in entries}
        self.identities = {
            entry.sha256: Identity(
                principal=entry.name,
                claims=MappingProxyType({"key_name": entry.name}),
                roles=frozenset(entry.roles),
                scopes=frozenset(entry.scopes),
            )
            for entry in entries
        }

    async def verify(self, key: str) -> Identity:
        """The key's identity; Invalid for an unknown key."""
        if not MIN_KEY_LENGTH <= len(key) <= MAX_KEY_LENGTH:
            raise Invalid("API key of implausible length")
        presented = digest(key)
        entry = self.entries.get(presented)
        if entry is None or not hmac.compare_digest(entry.sha256, presented):
            raise Invalid("unknown API key")
        return self.identities[presented]
