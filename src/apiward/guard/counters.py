"""Fixed-window counters in this process's memory: the rate limiter's ``memory://`` storage.

Why not ``limits``' async ``MemoryStorage`` (still used for ``redis://``): each of its
``incr`` calls schedules an asyncio task that walks every key to expire old ones, so
under a real server every request paid a task and an O(keys) sweep (about 15 µs of
server CPU per request with one client; more with many). Here a counter is two dict
entries, an expired window restarts on the next hit, and expired keys are swept at
most once per :data:`SWEEP_SECONDS`. The methods are coroutines with no ``await``
inside, so on one event loop each call is atomic without a lock.
"""

from __future__ import annotations

import time
from collections.abc import Callable

SWEEP_SECONDS = 10.0


class MemoryCounters:
    """``incr``/``get``/``get_expiry``/``clear`` as the limiter uses them, in a dict."""

    base_exceptions: tuple[type[Exception], ...] = (ValueError,)
    """What a failing storage raises (nothing here; kept for the limiter's interface)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.counts: dict[str, int] = {}
        self.expiries: dict[str, float] = {}
        self.next_sweep = 0.0

    async def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        """Add ``amount`` in the key's window (a new window of ``expiry`` s if none is open)."""
        return self.hit(key, expiry, amount)[0]

    def hit(self, key: str, expiry: float, amount: int = 1) -> tuple[int, float]:
        """``incr`` without a coroutine, with when the window closes: the limiter's fast path."""
        now = self.clock()
        closes = self.expiries.get(key, 0.0)
        if closes <= now:
            if now >= self.next_sweep:
                self._sweep(now)
            closes = self.expiries[key] = now + expiry
            self.counts[key] = amount
            return amount, closes
        count = self.counts[key] + amount
        self.counts[key] = count
        return count, closes

    async def get(self, key: str) -> int:
        """The count in the key's open window, 0 when none is open."""
        if self.expiries.get(key, 0.0) <= self.clock():
            return 0
        return self.counts[key]

    async def get_expiry(self, key: str) -> float:
        """When the key's window closes (now when none is open)."""
        expiry = self.expiries.get(key)
        return self.clock() if expiry is None else expiry

    async def clear(self, key: str) -> None:
        """Forget the key."""
        self.counts.pop(key, None)
        self.expiries.pop(key, None)

    def _sweep(self, now: float) -> None:
        self.next_sweep = now + SWEEP_SECONDS
        for key in [k for k, closes in self.expiries.items() if closes <= now]:
            del self.counts[key], self.expiries[key]
