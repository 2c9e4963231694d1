"""Sessions.log_in: credentials for a user a check created, with the token kept secret."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

from apiward.core.errors import ConfigError
from apiward.scan.identities import Login
from apiward.scan.sessions import Credentials, Sessions
from apiward.scan.transport import Transport


class _Body(BaseModel):
    username: str
    password: str


def _app() -> FastAPI:
    app = FastAPI()

    @app.post("/login")
    def login(body: _Body) -> dict[str, str]:
        if body.password != "right-password":
            raise HTTPException(401, "no")
        return {"token": f"tok-{body.username}"}

    return app


async def _log_in(url: str, password: str) -> tuple[Credentials, set[str]]:
    transport = Transport(url)
    sessions = Sessions(transport, ())
    login = Login(
        method="POST", path="/login", body={"username": "new", "password": password}, token="token"
    )
    try:
        return await sessions.log_in(login, name="throwaway"), sessions.secrets
    finally:
        await transport.close()


def test_log_in_returns_bearer_credentials_and_keeps_the_token_secret(
    serve: Callable[[Any], Any],
) -> None:
    """A successful login gives the header to send, and the token joins the secrets."""
    server = serve(_app())
    credentials, secrets = asyncio.run(_log_in(server.url, "right-password"))
    assert credentials.headers == (("Authorization", "Bearer tok-new"),)
    assert "tok-new" in secrets


def test_failed_log_in_is_a_config_error_naming_the_user(serve: Callable[[Any], Any]) -> None:
    """A refused login raises ConfigError with the user's name, never a bare HTTP error."""
    server = serve(_app())
    with pytest.raises(ConfigError, match="throwaway"):
        asyncio.run(_log_in(server.url, "wrong"))
