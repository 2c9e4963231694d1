"""Login attempts, rate-limited per client and per user name (``limits``, in memory).

Failed attempts count: five a minute against one name, twenty a minute from one
client. Past either, the login answers 429 until the window moves on, right password
or not, so guessing costs minutes, not milliseconds.
"""

from __future__ import annotations

from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

PER_NAME = RateLimitItemPerMinute(5)
PER_CLIENT = RateLimitItemPerMinute(20)


class LoginThrottle:
    """Counts failed logins; says when a client or a name has had too many."""

    def __init__(self) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def allowed(self, client: str, name: str) -> bool:
        """True when another attempt from ``client`` at ``name`` may be checked."""
        return self._limiter.test(PER_CLIENT, "client", client) and self._limiter.test(
            PER_NAME, "name", name.lower()
        )

    def failed(self, client: str, name: str) -> None:
        """Count a failed attempt against both the client and the name."""
        self._limiter.hit(PER_CLIENT, "client", client)
        self._limiter.hit(PER_NAME, "name", name.lower())
