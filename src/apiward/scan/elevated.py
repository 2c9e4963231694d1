"""While a probe holds an identity's privilege changed, nothing else goes out as that identity.

A BFLA or mass-assignment probe may make a member an admin for a moment (``role:
admin`` on its own record) before it puts the old value back. The checks run side by
side, so without a fence another probe sent as that member in the meantime acts with the
admin's rights: a member deleting a project it may not touch, reported as a finding the
API does not have, and a real change made with privileges nobody gave the scan.

:meth:`Elevations.hold` waits for the identity's requests in flight to end, then keeps
every other task's requests as that identity waiting until the probe has restored the
value and left the block. The holder's own requests (the attack, its read-back, the
restore) pass: the context it runs in carries the hold.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar

_HOLDING: ContextVar[frozenset[str]] = ContextVar("apiward_elevated", default=frozenset())


class Elevations:
    """Per identity: requests in flight, and whether a probe holds its privilege changed."""

    def __init__(self) -> None:
        self._changed = asyncio.Condition()
        self._flying: dict[str, int] = {}
        self._held: set[str] = set()
        self._locks: dict[str, asyncio.Lock] = {}

    @asynccontextmanager
    async def hold(self, name: str) -> AsyncIterator[None]:
        """Run the block with ``name`` to itself: no other task's request goes out as it."""
        if name in _HOLDING.get():
            yield
            return
        async with self._locks.setdefault(name, asyncio.Lock()):
            async with self._changed:
                await self._changed.wait_for(lambda: not self._flying.get(name))
                self._held.add(name)
            token = _HOLDING.set(_HOLDING.get() | {name})
            try:
                yield
            finally:
                _HOLDING.reset(token)
                async with self._changed:
                    self._held.discard(name)
                    self._changed.notify_all()

    @asynccontextmanager
    async def sending(self, name: str) -> AsyncIterator[None]:
        """Around one request as ``name``: waits while another task holds it."""
        if name in _HOLDING.get():
            yield
            return
        async with self._changed:
            await self._changed.wait_for(lambda: name not in self._held)
            self._flying[name] = self._flying.get(name, 0) + 1
        try:
            yield
        finally:
            async with self._changed:
                self._flying[name] -= 1
                self._changed.notify_all()


def holding() -> bool:
    """True inside a hold: the holder's requests must go out for the hold to end."""
    return bool(_HOLDING.get())
