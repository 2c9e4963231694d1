"""Failed-login counting for the fixed bank: a small sliding window per username."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60


class LoginThrottle:
    """Locks a username out after too many failed logins in a window."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._failures: defaultdict[str, deque[float]] = defaultdict(deque)

    def _recent(self, username: str) -> deque[float]:
        failures = self._failures[username]
        horizon = self._clock() - WINDOW_SECONDS
        while failures and failures[0] < horizon:
            failures.popleft()
        return failures

    def locked(self, username: str) -> bool:
        """Whether this username has failed too often recently."""
        return len(self._recent(username)) >= MAX_FAILURES

    def failed(self, username: str) -> None:
        """Record one failed login."""
        self._recent(username).append(self._clock())

    def succeeded(self, username: str) -> None:
        """Forget earlier failures after a successful login."""
        self._failures.pop(username, None)
