"""auth_bypass's legitimate writes change only the sender's own objects, never a privilege field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

import httpx
from auth_support import scan_only
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import APIKeyHeader
from pydantic import BaseModel

from apiward.demo import IDENTITIES, running
from apiward.demo.seed import USERS
from apiward.scan import Identity, load_identities
from apiward.scan.checks.auth_bypass import AuthBypass

ROLE_OP = "PUT /users/{username}/role"
DEMO_ROLE_OP = "PUT /api/v2/admin/users/{username}/role"


class _Role(BaseModel):
    role: Literal["viewer", "customer", "admin"]


class _Nick(BaseModel):
    nickname: str


_TOKENS = {"t-alice": "alice", "t-root": "root"}


def _me(token: Annotated[str, Depends(APIKeyHeader(name="X-Token"))]) -> str:
    if token not in _TOKENS:
        raise HTTPException(401, "bad token")
    return _TOKENS[token]


Me = Annotated[str, Depends(_me)]


def _app(roles: dict[str, str]) -> FastAPI:
    """Users by token; admins list everyone and set roles; everyone renames themselves."""
    app = FastAPI()
    nicknames = dict.fromkeys(roles, "")

    @app.get("/me")
    def read_me(user: Me) -> dict[str, str]:
        return {"username": user, "nickname": nicknames[user], "role": roles[user]}

    @app.patch("/me")
    def rename(body: _Nick, user: Me) -> dict[str, str]:
        nicknames[user] = body.nickname
        return {"username": user, "nickname": body.nickname, "role": roles[user]}

    @app.get("/users")
    def users(user: Me) -> list[dict[str, str]]:
        if roles[user] != "admin":
            raise HTTPException(403, "admins only")
        return [{"username": u, "role": r} for u, r in roles.items()]

    @app.put("/users/{username}/role")
    def set_role(username: str, body: _Role, user: Me) -> dict[str, str]:
        if roles[user] != "admin":
            raise HTTPException(403, "admins only")
        roles[username] = body.role
        return {"username": username, "role": body.role}

    return app


def test_legit_writes_never_change_roles(serve: Callable[[Any], Any]) -> None:
    """An admin's legitimate role change is never sent: nobody's role changes during the scan."""
    roles = {"alice": "customer", "root": "admin"}
    url = serve(_app(roles)).url
    identities = (
        Identity(name="alice", role="customer", headers={"X-Token": "t-alice"}),
        Identity(name="root", role="admin", headers={"X-Token": "t-root"}),
    )
    results = scan_only(url, [AuthBypass()], identities)
    assert roles == {"alice": "customer", "root": "admin"}
    skipped = {s.operation: s.detail for s in results.skipped}
    assert "privilege field" in skipped[ROLE_OP]
    assert ("auth_bypass", "PATCH /me") in results.ran


def test_fixed_bank_roles_survive_the_scan() -> None:
    """On the fixed bank, every seed user has their seeded role after auth_bypass ran."""
    with running(fixed=True) as url:
        results = scan_only(url, [AuthBypass()], load_identities(str(IDENTITIES)))
        login = {"username": "admin", "password": USERS["admin"][1]}
        token = httpx.post(f"{url}/api/v2/auth/login", json=login).json()["access_token"]
        users = httpx.get(
            f"{url}/api/v2/admin/users", headers={"Authorization": f"Bearer {token}"}
        ).json()
    assert {u["username"]: u["role"] for u in users if u["username"] in USERS} == {
        name: seeded[0] for name, seeded in USERS.items()
    }
    assert any(s.operation == DEMO_ROLE_OP for s in results.skipped)


def test_an_empty_2xx_is_not_called_a_refusal(serve: Callable[[Any], Any]) -> None:
    """A 204 with no body is nothing to compare an anonymous answer with, and is not "no 2xx"."""
    app = FastAPI()

    @app.post("/me/ping", status_code=204)
    def ping(user: Me) -> None:
        return None

    url = serve(app).url
    identities = (Identity(name="alice", role="customer", headers={"X-Token": "t-alice"}),)
    results = scan_only(url, [AuthBypass()], identities)
    skipped = {s.operation: (s.reason, s.detail) for s in results.skipped}
    reason, detail = skipped["POST /me/ping"]
    assert "no identity gets a 2xx" not in reason
    assert "hold no data" in detail
    assert "alice: 204" in detail
