"""Token refresh: an identity whose token the API starts refusing logs in again and the scan goes on."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI, HTTPException, Request, Response
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from apiward.scan import Identity, ScanConfig, scan
from apiward.scan.checks import builtin_checks
from apiward.scan.identities import Login
from apiward.spec import load

USES = 2
"""Requests a token is good for before the API revokes it."""


class _Credentials(BaseModel):
    username: str
    password: str


_Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(HTTPBearer(auto_error=False))]


def _caller(request: Request, bearer: _Bearer) -> str:
    bank: _Bank = request.app.state.bank
    return bank.caller(bearer)


Caller = Annotated[str, Depends(_caller)]


class _Bank:
    """Issues a fresh token per login and revokes each one after ``USES`` requests."""

    def __init__(self) -> None:
        self.logins = 0
        self.uses: dict[str, int] = {}
        self.answered: list[tuple[int, int]] = []
        """(login number of the token, status) for every authenticated request."""

    def caller(
        self,
        bearer: Annotated[
            HTTPAuthorizationCredentials | None, Depends(HTTPBearer(auto_error=False))
        ],
    ) -> str:
        return self.use(bearer.credentials if bearer else "")

    def use(self, token: str) -> str:
        """The caller of a token or session id, until it has been used ``USES`` times."""
        if token not in self.uses:
            raise HTTPException(401, "unknown token")
        self.uses[token] += 1
        generation = int(token.rsplit("-", 1)[1])
        if self.uses[token] > USES:
            self.answered.append((generation, 401))
            raise HTTPException(401, "token revoked")
        self.answered.append((generation, 200))
        return "alice"

    def app(self) -> FastAPI:
        app = FastAPI()
        app.state.bank = self

        @app.post("/login")
        def login(body: _Credentials) -> dict[str, str]:
            if body.password != "pw-alice":
                raise HTTPException(401, "no")
            self.logins += 1
            token = f"tok-{self.logins}"
            self.uses[token] = 0
            return {"access_token": token}

        @app.get("/notes")
        def notes(user: Caller) -> list[dict[str, Any]]:
            return [{"id": n, "owner": user, "text": f"note {n}"} for n in (1, 2)]

        @app.get("/notes/{note_id}")
        def note(note_id: int, user: Caller) -> dict[str, Any]:
            return {"id": note_id, "owner": user, "text": f"note {note_id}"}

        return app


def _session(
    request: Request,
    sid: Annotated[str | None, Depends(APIKeyCookie(name="sid", auto_error=False))],
) -> str:
    bank: _Bank = request.app.state.bank
    return bank.use(sid or "")


Session = Annotated[str, Depends(_session)]


class _CookieBank(_Bank):
    """The same bank with server-side sessions: login sets ``sid``, the body has no token."""

    def app(self) -> FastAPI:
        app = FastAPI()
        app.state.bank = self

        @app.post("/login")
        def login(body: _Credentials, response: Response) -> dict[str, str]:
            if body.password != "pw-alice":
                raise HTTPException(401, "no")
            self.logins += 1
            sid = f"sid-{self.logins}"
            self.uses[sid] = 0
            response.set_cookie("sid", sid, httponly=True)
            return {"status": "ok"}

        @app.get("/notes")
        def notes(who: Session) -> list[dict[str, Any]]:
            return [{"id": n, "owner": who, "text": f"note {n}"} for n in (1, 2)]

        @app.get("/notes/{note_id}")
        def note(note_id: int, who: Session) -> dict[str, Any]:
            return {"id": note_id, "owner": who, "text": f"note {note_id}"}

        return app


@pytest.mark.parametrize(
    ("bank", "prefix"),
    [(_Bank, "tok"), (_CookieBank, "sid")],
    ids=["revoked-bearer-token", "expired-session-cookie"],
)
def test_a_revoked_credential_costs_one_new_login_and_the_scan_goes_on(
    serve: Callable[[Any], Any], bank: type[_Bank], prefix: str
) -> None:
    """Each revocation (a bearer token, a session cookie) costs one new login, whose new
    credential replaces the old one; every credential is a secret."""
    api = bank()
    url = serve(api.app()).url
    login = Login(method="POST", path="/login", body={"username": "alice", "password": "pw-alice"})
    alice = Identity(name="alice", role="user", login=login)
    config = ScanConfig(target=url, identities=(alice,), checks=("auth_bypass", "error_disclosure"))
    results = asyncio.run(
        scan(load(f"{url}/openapi.json", allow_private=True), config, builtin_checks())
    )
    assert results.complete
    assert results.errors == []
    assert api.logins >= 3, "the credential was never revoked: the test did not test renewal"
    renewed = {generation for generation, status in api.answered if status == 200}
    # The last login is the end-of-scan check that every identity still logs in: unused.
    assert renewed == set(range(1, api.logins)), "a fresh credential went unused"
    assert ("auth_bypass", "GET /notes/{note_id}") in results.ran
    assert {f"{prefix}-{n}" for n in range(1, api.logins + 1)} <= results.secrets
