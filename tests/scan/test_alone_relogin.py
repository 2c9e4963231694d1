"""A check holding the traffic to itself never waits forever on another's fresh login.

An identity whose token the API stops taking mid-scan is logged in again, under that
identity's lock. A check that holds every other request back (``Transport.alone``: a
timing probe) and sends as the same identity waits for that lock; the fresh login, held
back by the check, waited for the check: the Ninja trial's scan sent nothing more and hung
until it was killed. The login now goes through, and both finish.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from apiward.scan.identities import Identity, Login
from apiward.scan.request import Request as ScanRequest
from apiward.scan.sessions import Sessions
from apiward.scan.transport import Transport

LOGIN = Login(
    method="POST",
    path="/login",
    body={"username": "alice", "password": "alice-pw-1"},
    token="token",
)
HANG = 30.0
"""Seconds after which the two tasks count as stuck for good (they take well under one)."""


def _app(state: dict[str, Any]) -> FastAPI:
    """Tokens work until ``state["revoked"]``; ``/slow`` answers after a moment."""
    app = FastAPI()

    @app.post("/login")
    async def login() -> dict[str, str]:
        state["logins"] += 1
        return {"token": f"t{state['logins']}"}

    @app.get("/slow")
    async def slow(request: Request) -> JSONResponse:
        await asyncio.sleep(0.5)
        return _answer(state)

    @app.get("/fast")
    async def fast(request: Request) -> JSONResponse:
        return _answer(state)

    return app


def _answer(state: dict[str, Any]) -> JSONResponse:
    if state["revoked"]:
        return JSONResponse({"detail": "Unauthorized"}, 401)
    return JSONResponse({"ok": True})


async def _race(url: str, state: dict[str, Any]) -> tuple[int, int]:
    transport = Transport(url)
    sessions = Sessions(transport, (Identity(name="alice", login=LOGIN),))
    alice = sessions.identities[0]
    try:
        await sessions.start()
        first = await sessions.send(ScanRequest(method="GET", path="/fast"), as_=alice)
        assert first.ok  # alice's token worked once: a 401 now means it expired
        state["revoked"] = True

        async def expiring() -> int:  # its 401 comes while the other holds the traffic
            reply = await sessions.send(ScanRequest(method="GET", path="/slow"), as_=alice)
            return reply.status

        async def holding() -> int:
            await asyncio.sleep(0.1)  # /slow is in flight
            async with transport.alone():
                reply = await sessions.send(ScanRequest(method="GET", path="/fast"), as_=alice)
            return reply.status

        both = asyncio.gather(expiring(), holding())
        one, other = await asyncio.wait_for(both, HANG)
        return one, other
    finally:
        await transport.close()


def test_a_fresh_login_passes_a_check_that_holds_the_traffic(serve: Callable[[Any], Any]) -> None:
    """Both requests are answered (401: the API took no token any more); nothing hangs."""
    state = {"revoked": False, "logins": 0}
    server = serve(_app(state))
    assert asyncio.run(_race(server.url, state)) == (401, 401)
    assert state["logins"] >= 2, "alice was never logged in again"
