"""What the scan's own account could not put back on its own record is no damage: the account is the scan's.

A members API written the way the Fastify trial's was: an empty field is stored as ``""``
whatever the write sends (Ajv's ``coerceTypes`` turns ``null`` into ``""``), so a record
that showed ``phone: null`` can never show it again. ``GET /v2/me`` shows ``credits``,
which no write takes, so a file identity's ``PATCH /v2/me`` could not be undone and the
scan sends it as a user it signed up itself. That user's record kept ``""`` where it had
``null``: the report called it *not restored* and a scan that left every seeded user as
found exited 3. It is *deleted* with the account when an admin's DELETE removes it, and
*left* with it when nothing can.
"""

import asyncio
import itertools
import secrets
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from apiward.core.registry import Registry
from apiward.scan import Identity, Results, ScanConfig, scan
from apiward.scan.check import AnyCheck
from apiward.scan.checks.ssrf import Ssrf
from apiward.scan.identities import Login
from apiward.scan.restore import State
from apiward.spec import load
from serving import serving

SEEDED = {
    "alice@desk.test": {"id": 1, "password": "alice-pw-123", "admin": False},
    "root@desk.test": {"id": 2, "password": "root-pw-456", "admin": True},
}


class SignUp(BaseModel):
    email: str
    password: str


class Profile(BaseModel):
    phone: str | None = None
    avatar_url: str | None = None


def _app(*, deletes_accounts: bool) -> tuple[FastAPI, dict[str, dict[str, Any]]]:
    app = FastAPI(title="members")
    users: dict[str, dict[str, Any]] = {
        email: {**seed, "phone": None, "avatar_url": None, "credits": 10}
        for email, seed in SEEDED.items()
    }
    tokens: dict[str, str] = {}
    serial = itertools.count(3)
    bearer = HTTPBearer()

    def member(auth: Annotated[HTTPAuthorizationCredentials, Depends(bearer)]) -> str:
        email = tokens.get(auth.credentials)
        if email is None or email not in users:
            raise HTTPException(401, "Unauthorized")
        return email

    Member = Annotated[str, Depends(member)]  # noqa: N806 — a type alias, as FastAPI documents it

    @app.post("/v2/auth/signup", status_code=201)
    def sign_up(body: SignUp) -> dict[str, Any]:
        if body.email in users:
            raise HTTPException(409, "Email taken")
        users[body.email] = {"id": next(serial), "password": body.password, "admin": False}
        users[body.email] |= {"phone": None, "avatar_url": None, "credits": 0}
        return {"id": users[body.email]["id"], "email": body.email}

    @app.post("/v2/auth/login")
    def log_in(body: SignUp) -> dict[str, str]:
        found = users.get(body.email)
        if found is None or found["password"] != body.password:
            raise HTTPException(401, "Invalid e-mail or password")
        token = secrets.token_hex(8)
        tokens[token] = body.email
        return {"access_token": token}

    @app.get("/v2/me")
    def me(email: Member) -> dict[str, Any]:
        found = users[email]
        return {"id": found["id"], "email": email} | {
            k: found[k] for k in ("phone", "avatar_url", "credits")
        }

    @app.patch("/v2/me")
    def update_me(body: Profile, email: Member) -> dict[str, Any]:
        for name, value in body.model_dump(exclude_unset=True).items():
            users[email][name] = value or ""  # null is coerced to ""
        return me(email)

    if deletes_accounts:

        @app.delete("/v2/admin/users/{user_id}", status_code=204)
        def remove_user(user_id: int, email: Member) -> None:
            if not users[email]["admin"]:
                raise HTTPException(403, "Admins only")
            found = next((e for e, u in users.items() if u["id"] == user_id), None)
            if found is None:
                raise HTTPException(404, "Not Found")
            del users[found]

    return app, users


def _scan(app: FastAPI, *, safe: bool) -> Results:
    identities = tuple(
        Identity(
            name=email.split("@")[0],
            role="admin" if seed["admin"] else "member",
            login=Login(
                method="POST",
                path="/v2/auth/login",
                body={"email": email, "password": seed["password"]},
            ),
        )
        for email, seed in SEEDED.items()
    )
    with serving(app) as url:
        api = load(f"{url}/openapi.json", allow_private=True)
        config = ScanConfig(target=url, identities=identities, safe=safe)
        checks = Registry[AnyCheck]("check", [("ssrf", Ssrf(wait=0.3))])
        return asyncio.run(scan(api, config, checks))


def _own_record(results: Results) -> list[tuple[State, str]]:
    return [
        (c.state, c.detail)
        for c in results.target_state
        if c.object == "/v2/me" and c.by == "apiward-made-1"
    ]


@pytest.mark.parametrize("safe", [False, True], ids=["default", "safe"])
def test_the_made_accounts_record_is_deleted_with_it(safe: bool) -> None:
    """The account is deleted by the admin: its record goes with it, and nothing is damage."""
    app, users = _app(deletes_accounts=True)
    results = _scan(app, safe=safe)
    [(state, detail)] = _own_record(results)
    assert state is State.DELETED, detail
    assert "deleted with it" in detail
    assert not results.damaged, [c for c in results.target_state if c.damage]
    assert set(users) == set(SEEDED), "the made account was not deleted"
    assert all(users[e]["phone"] is None for e in SEEDED)


def test_where_nothing_deletes_accounts_the_record_is_left_with_its_account() -> None:
    """No DELETE for accounts: the account and its record are left, listed, and no damage."""
    app, users = _app(deletes_accounts=False)
    results = _scan(app, safe=True)
    [(state, detail)] = _own_record(results)
    assert state is State.LEFT, detail
    assert not results.damaged, [c for c in results.target_state if c.damage]
    assert any("identity apiward-made-1" in c.object for c in results.target_state)
    assert all(users[e]["phone"] is None for e in SEEDED), "a seeded user's record was written"
