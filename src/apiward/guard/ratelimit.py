"""Stage: rate limits per client and per operation template, several windows at once.

Fixed windows, one atomic ``INCR`` per window and request, storage chosen by URL:
``redis://host:port`` (shared by every guard instance) through the ``limits`` async
API, ``memory://`` through :mod:`apiward.guard.counters` (see there
why not limits' own memory storage). The key is the route
template plus the principal an authentication stage set, else the client address
(never a raw path, whose spellings would split buckets, never a client-chosen
header). ``credential_exchange`` limits every operation that exchanges credentials
(exchanges.py) at once, unless ``operations`` names it. Answers carry the
draft-11 ``RateLimit-Policy``/``RateLimit`` fields; a 429 adds ``Retry-After``.
``ban`` turns repeated violations into a temporary ban, kept in the same storage,
which audit alert rules can also impose. If the storage fails the request is
refused with 503 (fail closed) unless ``fail_open: true``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from typing import Any, NamedTuple, Protocol

from limits import RateLimitItem, parse_many
from limits.aio.storage import Storage
from limits.storage import storage_from_string

from apiward.guard.context import Context
from apiward.guard.counters import MemoryCounters
from apiward.guard.exchanges import credential_exchanges
from apiward.guard.policy import RateLimitPolicy
from apiward.guard.problem import Refusal, Rule
from apiward.guard.stage import Setup
from apiward.guard.storage import StorageKind, storage_kind

_PREFIX = "apiward"


def build(setup: Setup) -> RateLimit | None:
    """The rate-limit stage, or None when the policy switches it off."""
    policy = setup.policy.ratelimit
    if not policy.enabled:
        return None
    default = _items(policy.limits)
    exchanges = (
        frozenset(op.key for op in credential_exchanges(setup.api))
        if policy.credential_exchange
        else frozenset()
    )
    per_route = {
        r.key: _items(
            policy.operations.get(
                r.key, policy.credential_exchange if r.key in exchanges else policy.limits
            )
        )
        for r in setup.routes.routes
    }
    return RateLimit(policy, open_storage(policy.storage), per_route, default)


class Counters(Protocol):
    """What the limiter needs of a storage: a ``limits`` async storage or MemoryCounters."""

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        """What the storage raises when it cannot answer."""

    async def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Count a hit in the key's window; the new count."""

    async def get(self, key: str) -> int:
        """The key's count (0 when its window is closed)."""

    async def get_expiry(self, key: str) -> float:
        """When the key's window closes (epoch seconds)."""

    async def clear(self, key: str) -> None:
        """Forget the key."""


def open_storage(url: str) -> Counters:
    """Counters for ``memory://`` (this process) or ``redis(s)://host:port`` (shared, via limits)."""
    if storage_kind(url, pointer="/ratelimit/storage") is StorageKind.MEMORY:
        return MemoryCounters()
    options: dict[str, Any] = {
        "implementation": "redispy",
        "socket_connect_timeout": 0.5,
        "socket_timeout": 0.5,
    }
    storage = storage_from_string("async+" + url, **options)
    if not isinstance(storage, Storage):
        raise TypeError(f"{url} did not give an async storage")
    return storage


def _items(limits: tuple[str, ...]) -> tuple[tuple[RateLimitItem, bytes], ...]:
    items = [item for text in limits for item in parse_many(text)]
    return tuple((item, _policy_item(item)) for item in items)


def _policy_item(item: RateLimitItem) -> bytes:
    return f'"{_name(item)}";q={item.amount};w={item.get_expiry()}'.encode()


class _Window(NamedTuple):
    """One limit on one route, with everything per-request work needs spelled out once."""

    item: RateLimitItem
    head: str
    """The storage key before the client: ``item.key_for(_PREFIX, route, who)`` is head+who+tail."""
    tail: str
    amount: int
    expiry: int
    name: str


def _windows(route: str, items: tuple[tuple[RateLimitItem, bytes], ...]) -> tuple[_Window, ...]:
    return tuple(
        _Window(item, *_split_key(item, route), item.amount, item.get_expiry(), _name(item))
        for item, _ in items
    )


_UNROUTED = "(unknown route)"


class RateLimit:
    """Counts hits per (operation, client) in every configured window."""

    def __init__(
        self,
        policy: RateLimitPolicy,
        storage: Counters,
        per_route: Mapping[str, tuple[tuple[RateLimitItem, bytes], ...]],
        default: tuple[tuple[RateLimitItem, bytes], ...],
    ) -> None:
        self.policy = policy
        self.storage = storage
        self.errors = storage.base_exceptions
        header = b", ".join(text for _, text in default)
        self.policy_headers = {
            key: b", ".join(t for _, t in items) for key, items in per_route.items()
        }
        self.default_header = header
        # Storage keys, names and expiries decided here: key_for re-joined five parts,
        # and the name was formatted again, on every request.
        self.windows = {route: _windows(route, items) for route, items in per_route.items()}
        self.unrouted = _windows(_UNROUTED, default)
        # A memory storage only ever holds bans this instance set: until the first one,
        # there is nothing to look up (a shared Redis may hold other instances' bans).
        self.bans_possible = not isinstance(storage, MemoryCounters)
        # This process's counters answer count and expiry in one call, without a coroutine.
        self.local = storage if isinstance(storage, MemoryCounters) else None

    async def check(self, ctx: Context) -> None:
        """Count this request; refuse it when any window is exhausted or the client is banned."""
        route = ctx.route
        key = route.key if route is not None else _UNROUTED
        who = ctx.principal or f"ip:{ctx.client}"
        try:
            await self._count(ctx, key, who)
        except self.errors:
            ctx.decisions["ratelimit"] = "storage unavailable"
            if not self.policy.fail_open:
                raise Refusal(
                    Rule.LIMITER_UNAVAILABLE, "rate limits cannot be checked right now"
                ) from None

    async def _count(self, ctx: Context, key: str, who: str) -> None:
        if self.bans_possible:
            await self._check_ban(who)
        tightest: _Window | None = None
        least = 2.0  # of a window left: at most 1
        used = 0
        tightest_key = ""
        closes: float | None = None  # when the tightest window closes, if already known
        local = self.local
        for window in self.windows.get(key, self.unrouted):
            storage_key = window.head + who + window.tail
            if local is not None:
                count, ends = local.hit(storage_key, window.expiry)
            else:
                count, ends = await self.storage.incr(storage_key, window.expiry), None
            left = (window.amount - count) / window.amount
            if left < least:
                tightest, least, used, tightest_key, closes = window, left, count, storage_key, ends
        if tightest is not None:
            if closes is None:  # shared storage: asked for the tightest window only
                closes = await self.storage.get_expiry(tightest_key)
            reset = _seconds_until(closes)
            self._annotate(ctx, key, tightest, max(0, tightest.amount - used), reset)
            if used > tightest.amount:
                await self._violation(who)
                raise Refusal(
                    Rule.RATE_LIMITED,
                    f"at most {tightest.name} for this operation",
                    headers=_retry(reset),
                )

    async def _check_ban(self, who: str) -> None:
        ban_key = f"{_PREFIX}/ban/{who}"
        if await self.storage.get(ban_key) > 0:
            retry = _seconds_until(await self.storage.get_expiry(ban_key))
            raise Refusal(
                Rule.BANNED, "too many violations: try again later", headers=_retry(retry)
            )

    def _annotate(
        self, ctx: Context, key: str, window: _Window, remaining: int, reset: int
    ) -> None:
        ctx.response_headers.append(
            (b"ratelimit-policy", self.policy_headers.get(key, self.default_header))
        )
        ctx.response_headers.append(
            (b"ratelimit", f'"{window.name}";r={remaining};t={reset}'.encode())
        )
        ctx.decisions["ratelimit"] = {"remaining": remaining, "reset": reset}

    async def _violation(self, who: str) -> None:
        ban = self.policy.ban
        if ban is None:
            return
        count = await self.storage.incr(f"{_PREFIX}/violations/{who}", ban.within)
        if count >= ban.after:
            await self.ban(who, ban.duration)

    async def aclose(self) -> None:
        """Close the Redis connections (memory storage has none)."""
        # limits has no close(); its redis-py bridge keeps the client as ``.storage``.
        client = getattr(getattr(self.storage, "bridge", None), "storage", None)
        if client is not None and hasattr(client, "aclose"):
            await client.aclose()

    async def ban(self, who: str, seconds: int) -> None:
        """Refuse every request from ``who`` (``ip:ADDR`` or a principal) for ``seconds``."""
        key = f"{_PREFIX}/ban/{who}"
        self.bans_possible = True
        await self.storage.clear(key)
        await self.storage.incr(key, seconds)


def _split_key(item: RateLimitItem, route: str) -> tuple[str, str]:
    marker = "\x00who\x00"
    head, tail = item.key_for(_PREFIX, route, marker).split(marker)
    return head, tail


def _name(item: RateLimitItem) -> str:
    return f"{item.amount}/{item.multiples}{item.GRANULARITY.name}"


def _seconds_until(expiry: float) -> int:
    return max(1, math.ceil(expiry - time.time()))


def _retry(seconds: int) -> tuple[tuple[bytes, bytes], ...]:
    return ((b"retry-after", str(seconds).encode()),)
