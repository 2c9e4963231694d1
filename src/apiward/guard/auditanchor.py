"""Copies of the audit log's checkpoints in a second place, by URL: ``redis://`` or ``rediss://``.

A checkpoint in the log itself goes when the log's tail is cut. Its copy stays. Under
the log's *name* (``audit.anchor_name``, by default the log file's name) Redis keeps
the set ``apiward:audit:<name>`` of the first-line hashes of every log written under
that name (a rotated log keeps its own), and per log the hash
``apiward:audit:<name>:<first hash>`` of line number → ``kind:hash`` of each checkpoint
and seal. ``verify-log --anchor URL`` then finds a tail cut before the last copied
checkpoint, and a chain rewritten from before one (from line 1 included: the rewritten
first line is no log the anchor knows). Give the guard a Redis user that may only
``SADD`` and ``HSETNX`` (an ACL such as ``+sadd +hsetnx ~apiward:audit:*``), so that
whoever controls the guard's host cannot rewrite the copies either. A copy that fails is logged and retried with the
next checkpoint; requests are never refused for it.
"""

from __future__ import annotations

import logging
from typing import Any

import redis
import redis.asyncio
import redis.exceptions

from apiward.core.errors import ConfigError
from apiward.guard.storage import check_redis_url

log = logging.getLogger("apiward.guard.audit")
_TIMEOUT = 0.5
PREFIX = "apiward:audit:"


class Anchor:
    """Writes checkpoints to Redis, never overwriting one (``HSETNX``)."""

    def __init__(self, url: str, name: str) -> None:
        check_redis_url(url, pointer="/audit/anchor", what="audit anchor")
        self.client: Any = redis.asyncio.from_url(
            url, socket_timeout=_TIMEOUT, socket_connect_timeout=_TIMEOUT
        )
        self.name = name
        self.pending: list[tuple[str, int, str]] = []

    async def put(self, first: str, line: int, value: str) -> None:
        """Copy one checkpoint of the log whose first line hashes to ``first`` (and any pending)."""
        self.pending.append((first, line, value))
        try:
            for log_id, number, text in self.pending:
                await self.client.sadd(PREFIX + self.name, log_id)
                await self.client.hsetnx(f"{PREFIX}{self.name}:{log_id}", str(number), text)
        except (redis.exceptions.RedisError, OSError) as error:
            log.warning("audit checkpoint not copied to the anchor: %s", type(error).__name__)
            return
        self.pending.clear()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.client.aclose()


def read_anchor(url: str, name: str, first: str) -> tuple[bool, dict[int, str]]:
    """Whether the anchor knows a log ``name`` starting with ``first``, and its checkpoints."""
    check_redis_url(url, pointer=None, what="--anchor")
    client = redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
    try:
        known = bool(client.sismember(PREFIX + name, first))
        raw: dict[Any, Any] = client.hgetall(f"{PREFIX}{name}:{first}")
        named = bool(client.exists(PREFIX + name))
    except (redis.exceptions.RedisError, OSError) as error:
        raise ConfigError(f"cannot read the audit anchor {url}: {error}") from None
    finally:
        client.close()
    if not named:
        raise ConfigError(f"the audit anchor {url} holds no log named {name!r}")
    return known, {int(k): v.decode() if isinstance(v, bytes) else v for k, v in raw.items()}
