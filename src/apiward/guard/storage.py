"""Where shared state lives, by URL: ``memory://`` (this process) or ``redis://`` / ``rediss://``.

Rate-limit counters, bans and replay nonces are kept in one of these. Any other
scheme is a ConfigError, however the policy was built: a misspelt URL must never
quietly become per-process counters.
"""

from __future__ import annotations

from enum import StrEnum

from apiward.core.errors import ConfigError
from apiward.core.urls import checked_url


class StorageKind(StrEnum):
    """The kinds of storage a URL can name."""

    MEMORY = "memory"
    REDIS = "redis"


SCHEMES = {"memory": StorageKind.MEMORY, "redis": StorageKind.REDIS, "rediss": StorageKind.REDIS}
REDIS = frozenset({"redis", "rediss"})
PATTERN = "^(memory|redis|rediss)://"
"""The same schemes, for the policy file's JSON Schema."""


def storage_kind(url: str, *, pointer: str) -> StorageKind:
    """The kind of storage ``url`` names; ConfigError for any other scheme."""
    scheme, sep, _ = url.partition("://")
    kind = SCHEMES.get(scheme) if sep else None
    if kind is None:
        raise ConfigError(
            f"{url!r} is not a storage URL: use memory://, redis://host:port or rediss://host:port",
            pointer=pointer,
        )
    if kind is StorageKind.REDIS:
        check_redis_url(url, pointer=pointer)
    return kind


def check_redis_url(url: str, *, pointer: str | None, what: str = "storage URL") -> None:
    """A ``redis://`` or ``rediss://`` URL whose host and port redis-py can use, else a ConfigError."""
    try:
        checked_url(url, what, schemes=REDIS, expected="redis://host:port or rediss://host:port")
    except ConfigError as error:
        raise ConfigError(error.message, pointer=pointer) from None
