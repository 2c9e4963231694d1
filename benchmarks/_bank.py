"""A fresh demo bank per tool, behind a pure-ASGI counter: requests are counted server-side.

Every tool is measured the same way: what the server received (each HTTP request the
bank's ASGI app was called with, and the status it answered), not what a tool says it sent.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from apiward.demo import create_app, serving

Scope = dict[str, Any]
Message = dict[str, Any]


@dataclass
class Tally:
    """Requests received and statuses answered since the last reset."""

    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)

    def reset(self) -> None:
        """Forget what was counted (e.g. the benchmark's own login)."""
        self.requests = 0
        self.statuses.clear()


class Counting:
    """Pure-ASGI middleware: counts each HTTP request and the status it was answered with."""

    def __init__(self, app: Any, tally: Tally) -> None:
        self.app = app
        self.tally = tally

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        """Pass everything through; count HTTP requests and response statuses on the way."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.tally.requests += 1

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.tally.statuses[message["status"]] += 1
            await send(message)

        await self.app(scope, receive, counting_send)


@contextmanager
def fresh_bank(*, fixed: bool) -> Iterator[tuple[str, Tally]]:
    """Serve a new demo bank (own database) on 127.0.0.1:ephemeral; yields (URL, tally)."""
    # The bank logs each 500 it hides; scanners cause hundreds on purpose.
    logging.getLogger("apiward.demo").setLevel(logging.ERROR)
    tally = Tally()
    app = Counting(create_app(fixed=fixed), tally)
    with serving(app, port=0) as url:  # type: ignore[arg-type]  # any ASGI app serves
        yield url, tally


def login(url: str, username: str, password: str) -> str:
    """A bearer token for a demo user, through the bank's own JSON login operation."""
    answer = httpx.post(
        f"{url}/api/v2/auth/login", json={"username": username, "password": password}, timeout=10
    )
    answer.raise_for_status()
    token = answer.json()["access_token"]
    if not isinstance(token, str):
        raise TypeError("the login answer has no access_token string")
    return token
