"""Memory counters: fixed windows that restart when they close, and a bounded sweep."""

from __future__ import annotations

import pytest

from apiward.guard.counters import SWEEP_SECONDS, MemoryCounters

pytestmark = pytest.mark.anyio


class Clock:
    """A clock the test moves by hand (window arithmetic without sleeping)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_window_counts_then_restarts_when_it_closes() -> None:
    """Hits add up inside a window; the first hit after it closes starts a new one at 1."""
    clock = Clock()
    counters = MemoryCounters(clock)
    assert [await counters.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert (await counters.get("k"), await counters.get_expiry("k")) == (3, 1060.0)
    clock.now = 1060.0
    assert await counters.get("k") == 0
    assert await counters.incr("k", 60) == 1
    assert await counters.get_expiry("k") == 1120.0


async def test_clear_forgets_a_key_and_unknown_keys_read_as_closed() -> None:
    """A cleared or never-seen key counts 0 and its window 'closes' now."""
    clock = Clock()
    counters = MemoryCounters(clock)
    await counters.incr("k", 60)
    await counters.clear("k")
    assert (await counters.get("k"), await counters.get_expiry("k")) == (0, 1000.0)


async def test_expired_keys_are_swept_at_most_once_per_sweep_interval() -> None:
    """Closed windows of other clients are dropped by a later new window, not kept forever."""
    clock = Clock()
    counters = MemoryCounters(clock)
    for n in range(100):
        await counters.incr(f"client-{n}", 1)
    clock.now += SWEEP_SECONDS
    await counters.incr("late", 1)
    assert set(counters.counts) == set(counters.expiries) == {"late"}
