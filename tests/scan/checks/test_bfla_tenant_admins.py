"""bfla on an "Admin only." read that lists the caller's own organisation's members.

A FastAPI workspace tool with two organisations, an admin and a member in each. Its
``GET /admin/members`` is the organisation admin's; the flawed app only asks for a login.
Each admin lists another organisation's members, so the two admins' answers differ, and
the scan took the list for one that differs per caller: a member reading the members of
its own organisation, as its own admin does, went unreported (the PHP trial's ``GET
/admin/users``, F6, found only with one school's identities). The member is compared
with its own organisation's admin now; the twin refuses members: nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import APIKeyHeader
from ownership_support import scan_app

from apiward.core.findings import Severity
from apiward.scan import Identity, Results
from apiward.scan.checks.bfla import Bfla
from serving import serving

USERS = [
    {"id": 1, "org_id": 1, "username": "ada", "email": "ada@acme.example", "role": "admin"},
    {"id": 2, "org_id": 1, "username": "mia", "email": "mia@acme.example", "role": "member"},
    {"id": 3, "org_id": 1, "username": "ned", "email": "ned@acme.example", "role": "member"},
    {"id": 4, "org_id": 2, "username": "abe", "email": "abe@globex.example", "role": "admin"},
    {"id": 5, "org_id": 2, "username": "max", "email": "max@globex.example", "role": "member"},
]
TOKENS = {f"tok-{u['username']}": u for u in USERS}
PROJECTS = [
    {"id": 11, "org_id": 1, "name": "Website relaunch"},
    {"id": 12, "org_id": 2, "name": "Warehouse move"},
]


TOKEN = APIKeyHeader(name="X-Auth-Token", auto_error=False)


def caller(token: Annotated[str | None, Depends(TOKEN)]) -> dict[str, Any]:
    """The user the token names, or a 401."""
    user = TOKENS.get(token or "")
    if user is None:
        raise HTTPException(401, "login required")
    return user


Caller = Annotated[dict[str, Any], Depends(caller)]


def workspace(*, admins_only: bool) -> FastAPI:
    """The app; ``admins_only`` puts the role check on the member list."""
    app = FastAPI(title="workspace", version="1.4")

    @app.get("/me", summary="The caller")
    def me(user: Caller) -> dict[str, Any]:
        return user

    @app.get("/projects", summary="Projects of the caller's organisation")
    def projects(user: Caller) -> list[dict[str, Any]]:
        return [p for p in PROJECTS if p["org_id"] == user["org_id"]]

    @app.get(
        "/admin/members",
        summary="Members of the organisation",
        description="Admin only.",
        responses={403: {"description": "not an admin"}},
    )
    def members(user: Caller) -> list[dict[str, Any]]:
        if admins_only and user["role"] != "admin":
            raise HTTPException(403, "admins only")
        return [
            {**u, "last_login": "2026-12-01T08:00:00Z"}
            for u in USERS
            if u["org_id"] == user["org_id"]
        ]

    return app


def _person(name: str, role: str) -> Identity:
    return Identity(
        name=name,
        role=role,
        rank=10 if role == "admin" else 1,
        headers={"X-Auth-Token": f"tok-{name}"},
    )


IDENTITIES = (
    _person("ada", "admin"),
    _person("abe", "admin"),
    _person("mia", "member"),
    _person("max", "member"),
)


@pytest.fixture(scope="module", params=[False, True], ids=["flawed", "fixed"])
def scanned(request: pytest.FixtureRequest) -> Iterator[tuple[bool, Results]]:
    """A bfla scan of the workspace tool, the flawed twin or the fixed one."""
    with serving(workspace(admins_only=request.param)) as url:
        yield request.param, scan_app(url, Bfla(), IDENTITIES)


def test_a_member_listing_its_own_organisations_members_is_found(
    scanned: tuple[bool, Results],
) -> None:
    """The flawed app: a member gets its own organisation admin's member list (medium or
    above), though another organisation's admin lists other people; the twin: nothing."""
    fixed, results = scanned
    assert results.errors == []
    found = [f for f in results.findings if f.severity >= Severity.MEDIUM]
    if fixed:
        assert found == [], [f.title for f in found]
        return
    assert [f.operation for f in found] == ["GET /admin/members"]
    low, high = found[0].title.split(" ")[0], found[0].evidence[0]
    assert high.response is not None
    mates = {"mia": "ada@acme.example", "max": "abe@globex.example"}
    assert mates[low] in high.response.body  # compared with its own organisation's admin
