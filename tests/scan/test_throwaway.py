"""The throwaway identity: writes nothing reads back go out as a user the scan signed up itself.

The app is a FastAPI team directory: members sign up at ``POST /v2/members``, log in at
``POST /v2/auth`` for a bearer token, and set their picture from a URL the server fetches
(``PUT /v2/whoami/picture``); nothing in the contract reads the picture back, so a file
identity's write could not be undone and is never sent.
"""

import asyncio
import secrets
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlsplit

import httpx
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from apiward.core.registry import Registry
from apiward.demo.server import serving
from apiward.scan import Identity, Results, ScanConfig, scan
from apiward.scan.check import AnyCheck
from apiward.scan.checks.ssrf import Ssrf
from apiward.scan.identities import Login
from apiward.scan.restore import State
from apiward.spec import load

PASSWORDS = {"alice@team.test": "alice-pw-123", "bob@team.test": "bob-pw-456"}


class SignUp(BaseModel):
    """A new member."""

    handle: str
    email: str
    password: str


class Credentials(BaseModel):
    """A login."""

    email: str
    password: str


class Picture(BaseModel):
    """Where to fetch a member's picture from."""

    picture_url: str


@dataclass
class Directory:
    """The running app's members (email → fields) and its open sessions."""

    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)


def _app(*, allow_list: bool) -> tuple[FastAPI, Directory]:
    app = FastAPI(title="team directory")
    data = Directory()
    for email, password in PASSWORDS.items():
        data.members[email] = {"handle": email.split("@")[0], "password": password}
    bearer = HTTPBearer()

    def member(auth: Annotated[HTTPAuthorizationCredentials, Depends(bearer)]) -> str:
        email = data.tokens.get(auth.credentials)
        if email is None:
            raise HTTPException(401, "bad token")
        return email

    @app.post("/v2/members", status_code=201)
    def sign_up(body: SignUp) -> dict[str, str]:
        if body.email in data.members:
            raise HTTPException(409, "taken")
        data.members[body.email] = {"handle": body.handle, "password": body.password}
        return {"handle": body.handle}

    @app.post("/v2/auth")
    def log_in(body: Credentials) -> dict[str, str]:
        found = data.members.get(body.email)
        if found is None or found["password"] != body.password:
            raise HTTPException(401, "wrong email or password")
        token = secrets.token_hex(8)
        data.tokens[token] = body.email
        return {"access_token": token}

    @app.get("/v2/whoami")
    def whoami(email: Annotated[str, Depends(member)]) -> dict[str, str]:
        return {"handle": data.members[email]["handle"], "email": email}

    @app.put("/v2/whoami/picture")
    async def picture(body: Picture, email: Annotated[str, Depends(member)]) -> dict[str, str]:
        host = urlsplit(body.picture_url).hostname
        if allow_list and host != "pictures.team.example":
            raise HTTPException(422, "pictures come from pictures.team.example")
        if host not in {"127.0.0.1", "localhost"}:  # the test never leaves the loopback
            raise HTTPException(502, "could not fetch")
        async with httpx.AsyncClient(trust_env=False, timeout=2) as client:
            try:
                await client.get(body.picture_url)
            except httpx.HTTPError:
                raise HTTPException(502, "could not fetch") from None
        data.members[email]["picture"] = body.picture_url
        return {"status": "ok"}

    return app, data


def _identities() -> tuple[Identity, ...]:
    return tuple(
        Identity(
            name=email.split("@")[0],
            role="member",
            login=Login(method="POST", path="/v2/auth", body={"email": email, "password": pw}),
        )
        for email, pw in PASSWORDS.items()
    )


def _scan(app: FastAPI, *, signup: bool = True, safe: bool = False) -> Results:
    with serving(app) as url:
        api = load(f"{url}/openapi.json", allow_private=True)
        config = ScanConfig(target=url, identities=_identities(), signup=signup, safe=safe)
        checks = Registry[AnyCheck]("check", [("ssrf", Ssrf(wait=0.5))])
        return asyncio.run(scan(api, config, checks))


def test_the_ssrf_is_found_as_a_user_the_scan_signed_up() -> None:
    """The picture write goes out as apiward-made-1, the scan's own user: the fetch is found."""
    app, data = _app(allow_list=False)
    results = _scan(app)
    [finding] = results.findings
    assert (finding.check, finding.operation) == ("ssrf", "PUT /v2/whoami/picture")
    pictured = [e for e, m in data.members.items() if "picture" in m]
    assert len(pictured) == 1
    assert pictured[0] not in PASSWORDS


def test_the_report_names_the_made_identity_and_what_was_left_on_it() -> None:
    """Notes name the identity and the write; the target state lists both, neither as damage."""
    app, _ = _app(allow_list=False)
    results = _scan(app)
    assert any("apiward-made-1" in n and "PUT /v2/whoami/picture" in n for n in results.notes)
    left = {(c.what.value, c.by) for c in results.target_state if c.state is State.LEFT}
    assert ("object written", "apiward-made-1") in left
    assert any("identity apiward-made-1" in c.object for c in results.target_state)
    assert not results.damaged


def test_safe_still_uses_the_scans_own_user() -> None:
    """--safe never changes what others own; the made user's state is the scan's own."""
    app, _ = _app(allow_list=False)
    results = _scan(app, safe=True)
    assert [f.operation for f in results.findings] == ["PUT /v2/whoami/picture"]


def test_no_signup_leaves_the_write_unsent() -> None:
    """--no-signup: no account is made and the write is skipped as one that cannot be undone."""
    app, data = _app(allow_list=False)
    results = _scan(app, signup=False)
    assert results.findings == []
    assert not any("picture" in m for m in data.members.values())
    assert not any("apiward-made" in n for n in results.notes)
    [skip] = [s for s in results.skipped if s.operation == "PUT /v2/whoami/picture"]
    assert skip.reason.startswith("the write could not be undone")


def test_the_allow_listed_twin_gives_nothing() -> None:
    """The twin that fetches only its picture host: no finding, the account still listed."""
    app, _ = _app(allow_list=True)
    results = _scan(app)
    assert results.findings == []
    assert not results.damaged
