"""logout: a refresh token that outlives the logout of its session.

The Hono trial's ``POST /auth/login`` answers ``{accessToken, refreshToken}``; its logout
ends the access token and forgets the refresh token, which ``POST /auth/refresh`` still
trades for a new access token: whoever copied it keeps the account. The check replayed
only the access token. A FastAPI twin: the flawed one keeps refresh tokens alive after the
logout, the fixed one revokes them with it.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI, Header, HTTPException, Request
from pydantic import BaseModel
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - name: alice
    role: customer
    login:
      operation: POST /auth/login
      json: {email: alice@svc.test, password: alice-pass-1}
      token: accessToken
"""


class Credentials(BaseModel):
    email: str
    password: str


class Refresh(BaseModel):
    refreshToken: str  # noqa: N815 - the API's own camelCase name


def caller(request: Request, authorization: Annotated[str, Header()] = "") -> str:
    """The access token, when it is live, or a 401."""
    token = authorization.removeprefix("Bearer ")
    if token not in request.app.state.access:
        raise HTTPException(401, "Missing or invalid access token")
    return token


Caller = Annotated[str, Depends(caller)]


def app_of(*, flawed: bool) -> FastAPI:
    """The service; ``flawed`` forgets the refresh token at logout."""
    app = FastAPI(title="Services", version="1")
    app.state.access = {}  # access token -> its refresh token
    refresh_tokens: set[str] = set()

    def issue() -> dict[str, str]:
        access, refresh = secrets.token_hex(16), secrets.token_hex(24)
        app.state.access[access] = refresh
        refresh_tokens.add(refresh)
        return {"accessToken": access, "refreshToken": refresh}

    @app.post("/auth/login", summary="Log in")
    def login(body: Credentials) -> dict[str, str]:
        if (body.email, body.password) != ("alice@svc.test", "alice-pass-1"):
            raise HTTPException(401, "Invalid credentials")
        return issue()

    @app.post("/auth/refresh", summary="Trade a refresh token for a new access token")
    def refresh(body: Refresh) -> dict[str, str]:
        if body.refreshToken not in refresh_tokens:
            raise HTTPException(401, "Invalid refresh token")
        refresh_tokens.discard(body.refreshToken)
        return issue()

    @app.post("/auth/logout", status_code=204, summary="Log out")
    def logout(token: Caller) -> None:
        refresh_token = app.state.access.pop(token)
        if not flawed:
            refresh_tokens.discard(refresh_token)

    @app.get("/me", summary="Your account")
    def me(token: Caller) -> dict[str, Any]:
        return {"email": "alice@svc.test", "name": "Alice"}

    return app


@pytest.mark.parametrize("flawed", [True, False], ids=["flawed", "fixed"])
def test_a_refresh_token_that_survives_the_logout(tmp_path: Path, flawed: bool) -> None:
    """The flawed twin: a medium finding naming the refresh token; the fixed one: none."""
    with serving(app_of(flawed=flawed)) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "logout")
    assert done.returncode in {0, 1}, done.stdout[-3000:]
    found = [(f["severity"], f["title"]) for f in report["findings"] if f["check"] == "logout"]
    expected = [("medium", "POST /auth/logout leaves the session's refresh token valid")]
    assert found == (expected if flawed else []), found
