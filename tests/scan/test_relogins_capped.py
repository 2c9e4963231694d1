"""An identity that can no longer log in is not logged in again on every 401.

The Ninja trial's ``--aggressive`` scan deactivated its own admin; each of the admin's
later requests was answered 401, and each 401 sent a fresh login, answered 403: 325
logins, most of the scan's 400 seconds. After ``MAX_RELOGINS`` failed logins in a row the
identity's 401s are taken as they come.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from apiward.scan.identities import Identity, Login
from apiward.scan.request import Request as ScanRequest
from apiward.scan.sessions import MAX_RELOGINS, Sessions
from apiward.scan.transport import Transport

LOGIN = Login(method="POST", path="/login", body={"username": "admin", "password": "pw"})


def _app(state: dict[str, Any]) -> FastAPI:
    """The first login works; then the account is deactivated: every request is refused."""
    app = FastAPI()

    @app.post("/login")
    async def login() -> JSONResponse:
        state["logins"] += 1
        if state["logins"] > 1:
            return JSONResponse({"detail": "account disabled"}, 403)
        return JSONResponse({"access_token": "t1"})

    @app.get("/items")
    async def items() -> JSONResponse:
        if state["deactivated"]:
            return JSONResponse({"detail": "Unauthorized"}, 401)
        return JSONResponse([])

    return app


async def _requests(url: str, state: dict[str, Any], count: int) -> list[int]:
    transport = Transport(url)
    sessions = Sessions(transport, (Identity(name="admin", login=LOGIN),))
    admin = sessions.identities[0]
    try:
        await sessions.start()
        assert (await sessions.send(ScanRequest(method="GET", path="/items"), as_=admin)).ok
        state["deactivated"] = True
        return [
            (await sessions.send(ScanRequest(method="GET", path="/items"), as_=admin)).status
            for _ in range(count)
        ]
    finally:
        await transport.close()


def test_a_locked_out_identity_stops_logging_in(serve: Callable[[Any], Any]) -> None:
    """Twenty refused requests cost at most MAX_RELOGINS logins after the first."""
    state = {"deactivated": False, "logins": 0}
    server = serve(_app(state))
    assert asyncio.run(_requests(server.url, state, 20)) == [401] * 20
    assert state["logins"] == 1 + MAX_RELOGINS
