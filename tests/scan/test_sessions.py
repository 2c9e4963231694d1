"""Sessions: logging in every way, one session per identity, failures that do not end a scan."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest
from fastapi import FastAPI, HTTPException
from itsdangerous import TimestampSigner
from pydantic import BaseModel
from sessions_support import SessionsApi, contract

from apiward.core.errors import ConfigError
from apiward.scan.identities import Basic, Identity, Login
from apiward.scan.request import Request
from apiward.scan.sessions import Credentials, Sessions
from apiward.scan.transport import Transport

T = TypeVar("T")


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


# --- each identity its own session, logins of every shape, failures that do not end a scan

LOGIN = Login(method="POST", path="/login", body={"username": "alice", "password": "alice-pw-1234"})
BOB = Login(method="POST", path="/login", body={"username": "bob", "password": "bob-pw-5678"})
SHAPES = {
    "cookie-session": LOGIN,
    "form-body": Login(
        method="POST",
        path="/form-login",
        body={"username": "alice", "password": "alice-pw-1234"},
        form=True,
    ),
    "query-wrapped-token": Login(
        method="GET",
        path="/q-login",
        query={"user": "alice", "pass": "alice-pw-1234"},
        token="data.token",
    ),
    "basic-to-token": Login(
        method="POST", path="/token", basic=Basic(username="alice", password="alice-pw-1234")
    ),
}


def _get(path: str) -> Request:
    return Request(method="GET", path=path, operation=f"GET {path}")


async def _with_sessions(
    url: str,
    identities: tuple[Identity, ...],
    use: Callable[[Sessions], Awaitable[T]],
    *,
    timeout: float = 10.0,
) -> T:
    transport = Transport(url, timeout=timeout)
    sessions = Sessions(transport, identities)
    try:
        await sessions.start(
            f"{k.upper()} {p}" for p, ops in contract()["paths"].items() for k in ops
        )
        return await use(sessions)
    finally:
        await transport.close()


def test_each_identity_keeps_its_own_cookies_and_anonymous_sends_none(
    serve: Callable[[Any], Any],
) -> None:
    """Cookies set for one identity (login or any answer) never travel with another or with nobody."""
    api = SessionsApi()
    alice, bob = Identity(name="alice", login=LOGIN), Identity(name="bob", login=BOB)

    async def use(sessions: Sessions) -> dict[str, Any]:
        await sessions.send(_get("/track"), as_=alice)
        seen = {}
        for who in (alice, bob, None):
            reply = await sessions.send(_get("/echo"), as_=who)
            seen[who.name if who else "nobody"] = reply.data["cookie"]
        return seen

    seen = asyncio.run(_with_sessions(serve(api.app()).url, (alice, bob), use))
    sid = {user: s for s, user in api.sessions.items()}
    assert seen["alice"] is not None
    assert f"sid={sid['alice']}" in seen["alice"]
    assert "seen=alice" in seen["alice"], "a cookie set by a later answer stays with its identity"
    assert seen["bob"] == f"sid={sid['bob']}", "bob carries his own session and nothing of alice's"
    assert seen["nobody"] is None, "an anonymous request carries no cookie at all"


@pytest.mark.parametrize("login", SHAPES.values(), ids=SHAPES.keys())
def test_every_login_shape_logs_in(serve: Callable[[Any], Any], login: Login) -> None:
    """JSON + session cookie, form, query with a wrapped token, basic to a token endpoint."""
    api = SessionsApi()
    alice = Identity(name="alice", login=login)

    async def use(sessions: Sessions) -> tuple[int, Any, dict[str, str]]:
        reply = await sessions.send(_get("/whoami"), as_=alice)
        return reply.status, reply.data, sessions.failed

    status, data, failed = asyncio.run(_with_sessions(serve(api.app()).url, (alice,), use))
    assert failed == {}
    assert (status, data["username"]) == (200, "alice")


def test_static_basic_identity_needs_no_login(serve: Callable[[Any], Any]) -> None:
    """``basic:`` on an identity is a fixed Authorization: Basic header; no login is sent."""
    api = SessionsApi()
    carol = Identity(name="alice", basic=Basic(username="alice", password="alice-pw-1234"))

    async def use(sessions: Sessions) -> int:
        return (await sessions.send(_get("/whoami"), as_=carol)).status

    assert asyncio.run(_with_sessions(serve(api.app()).url, (carol,), use)) == 200
    assert api.logins == []


def test_failed_logins_are_dropped_with_the_reason_and_the_rest_go_on(
    serve: Callable[[Any], Any],
) -> None:
    """A 200 'fail', a missing token path, an unknown operation and a timeout each say why."""
    api = SessionsApi()
    wrong = Identity(
        name="wrong",
        login=Login(
            method="POST", path="/login", body={"username": "alice", "password": "guess-pw-99"}
        ),
    )
    no_path = Identity(
        name="no-path", login=dataclasses.replace(SHAPES["query-wrapped-token"], token="jwt")
    )
    unknown = Identity(name="unknown", login=dataclasses.replace(LOGIN, path="/api/signin"))
    slow = Identity(name="slow", login=dataclasses.replace(LOGIN, method="GET", path="/slow"))
    alice = Identity(name="alice", login=LOGIN)

    async def use(sessions: Sessions) -> tuple[list[str], dict[str, str], int]:
        reply = await sessions.send(_get("/whoami"), as_=alice)
        return [i.name for i in sessions.identities], sessions.failed, reply.status

    names, failed, status = asyncio.run(
        _with_sessions(
            serve(api.app()).url, (wrong, no_path, unknown, slow, alice), use, timeout=0.5
        )
    )
    assert (names, status) == (["alice"], 200)
    assert "answered 200" in failed["wrong"]
    assert "wrong credentials" in failed["wrong"]
    assert '"status":"fail"' in failed["wrong"].replace(" ", "")
    assert "guess-pw-99" not in failed["wrong"], "the excerpt is redacted"
    assert "no token at 'jwt'" in failed["no-path"]
    assert "data.token" in failed["no-path"]
    assert "not an operation of the contract" in failed["unknown"]
    assert failed["slow"].startswith("target error")


def test_own_ids_come_from_the_login_answer_and_the_jwt(serve: Callable[[Any], Any]) -> None:
    """The id in an enveloped login answer, and the claims of the identity's own JWT."""
    api = SessionsApi()
    alice = Identity(name="alice", login=LOGIN)
    claims = base64.urlsafe_b64encode(json.dumps({"sub": "u-42", "uid": 42}).encode()).decode()
    jwt = f"eyJhbGciOiJIUzI1NiJ9.{claims.rstrip('=')}.c2ln"
    bot = Identity(name="bot", headers={"Authorization": f"Bearer {jwt}"})

    async def use(sessions: Sessions) -> tuple[Any, Any]:
        return sessions.own_ids(alice), sessions.own_ids(bot)

    mine, bots = asyncio.run(_with_sessions(serve(api.app()).url, (alice, bot), use))
    assert ("id", 7) in mine
    assert ("username", "alice") in mine
    assert set(bots) == {("sub", "u-42"), ("uid", 42)}


def test_the_name_an_identity_logs_in_with_is_its_own(serve: Callable[[Any], Any]) -> None:
    """A login whose answer holds only a token still says whose: the user field it sent."""
    form = Identity(name="alice", login=SHAPES["form-body"])
    query = Identity(name="alice-q", login=SHAPES["query-wrapped-token"])
    basic = Identity(name="alice-b", login=SHAPES["basic-to-token"])

    async def use(sessions: Sessions) -> list[Any]:
        return [sessions.own_ids(i) for i in (form, query, basic)]

    ids = asyncio.run(_with_sessions(serve(SessionsApi().app()).url, (form, query, basic), use))
    assert [("username", "alice") in ids[0], ("user", "alice") in ids[1]] == [True, True]
    assert ("username", "alice") in ids[2]
    assert all("alice-pw-1234" not in str(found) for found in ids), "never a password"


def test_own_ids_come_from_a_signed_session_cookie(serve: Callable[[Any], Any]) -> None:
    """A Starlette-style signed session (readable, not encrypted) gives its uid."""
    session = base64.b64encode(json.dumps({"uid": 9, "sid": "x1"}).encode())
    cookie = TimestampSigner("an-unknown-key").sign(session).decode()
    holder = Identity(name="holder", cookies={"session": cookie})

    async def use(sessions: Sessions) -> Any:
        return sessions.own_ids(holder)

    assert ("uid", 9) in asyncio.run(_with_sessions(serve(SessionsApi().app()).url, (holder,), use))
