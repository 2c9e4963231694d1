"""A scan writes no object it could not put back: the API must take the object's own values.

The hapi trial's admin profile (``PATCH /users/me``) was seeded with ``admin@school.test``,
straight into its database. Its API validates every e-mail it is sent, and refuses
special-use domains such as ``.test``: the scan changed the admin's e-mail, and its restore
was refused the seeded one, so the admin's profile kept a made-up address (exit 3, in
default and ``--safe`` mode alike).

This API is written that way with FastAPI's own idioms: pydantic's ``EmailStr`` on the
update (email-validator refuses ``.test``), HTTP bearer tokens, its default 422 answers,
seed rows no validator ever saw, and a sign-up for anyone.
"""

# No ``from __future__ import annotations``: FastAPI reads the routes' annotations at run time.
import secrets
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, EmailStr
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - name: admin
    role: admin
    login:
      operation: POST /auth/login
      json: {username: admin, password: Admin-pass-2024}
      token: access_token
  - name: alice
    role: teacher
    login:
      operation: POST /auth/login
      json: {username: alice, password: Alice-pass-2024}
      token: access_token
"""

SEEDED = {
    "admin": {"email": "admin@school.test", "full_name": "School Admin", "bio": "Runs it."},
    "alice": {"email": "alice@school.test", "full_name": "Alice Archer", "bio": "Maths."},
}


class Login(BaseModel):
    username: str
    password: str


class SignUp(BaseModel):
    username: str
    password: str
    email: EmailStr
    full_name: str = ""


class ProfileUpdate(BaseModel):
    email: EmailStr | None = None
    full_name: str | None = None
    bio: str | None = None


class Profile(BaseModel):
    username: str
    email: str
    full_name: str
    bio: str


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"


def school() -> tuple[FastAPI, dict[str, dict[str, str]]]:
    """The API and its users (seeded with addresses its own validator refuses)."""
    users = {
        name: {"username": name, "password": f"{name.title()}-pass-2024", **profile}
        for name, profile in SEEDED.items()
    }
    tokens: dict[str, str] = {}
    app = FastAPI(title="school")
    bearer = HTTPBearer()

    def caller(
        credentials: Annotated[HTTPAuthorizationCredentials, Depends(bearer)],
    ) -> dict[str, str]:
        name = tokens.get(credentials.credentials)
        if name is None:
            raise HTTPException(401, "Invalid token")
        return users[name]

    @app.post("/auth/register", status_code=201, response_model=Profile)
    def register(body: SignUp) -> dict[str, str]:
        if body.username in users:
            raise HTTPException(409, "Username taken")
        users[body.username] = {**body.model_dump(), "email": str(body.email), "bio": ""}
        return users[body.username]

    @app.post("/auth/login", response_model=Token)
    def login(body: Login) -> dict[str, str]:
        user = users.get(body.username)
        if user is None or user["password"] != body.password:
            raise HTTPException(401, "Invalid credentials")
        token = secrets.token_urlsafe(16)
        tokens[token] = body.username
        return {"access_token": token}

    @app.get("/users/me", response_model=Profile)
    def me(user: Annotated[dict[str, str], Depends(caller)]) -> dict[str, str]:
        return user

    @app.patch("/users/me", response_model=Profile)
    def update_me(
        body: ProfileUpdate, user: Annotated[dict[str, str], Depends(caller)]
    ) -> dict[str, str]:
        user.update({k: str(v) for k, v in body.model_dump(exclude_none=True).items()})
        return user

    return app, users


def _scan(tmp_path: Path, *extra: str) -> tuple[dict[str, dict[str, str]], dict[str, Any], int]:
    app, users = school()
    with serving(app) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path, *extra)
    assert done.returncode != 2, done.stdout + done.stderr
    return users, report, done.returncode


def _profile(users: dict[str, dict[str, str]], name: str) -> dict[str, str]:
    return {k: users[name][k] for k in ("email", "full_name", "bio")}


def test_a_write_the_api_would_not_take_back_is_withheld(tmp_path: Path) -> None:
    """The seeded profiles end as they began, every row is restored or left, and the skip
    says why; the user the scan signed up for itself still has its profile probed."""
    users, report, code = _scan(tmp_path)
    assert code != 3, report["tables"]["target_state"]
    for name in SEEDED:
        assert _profile(users, name) == SEEDED[name]
    assert all(row["state"] != "not restored" for row in report["tables"]["target_state"])
    refused = [s for s in report["skipped"] if "its own values back" in s["detail"]]
    assert refused, report["skipped"]
    assert any(u.startswith("apiward") for u in users)
    # The seeded profiles are withheld and unchanged, so the taken probes went to the scan's own.
    taken = [
        r
        for r in report["tables"]["requests"]
        if r["operation"] == "PATCH /users/me" and r["by"] == "sql_injection" and r["status"] == 200
    ]
    assert taken


def test_under_safe_too(tmp_path: Path) -> None:
    """``--safe`` writes the file identities' own records: the same check holds there."""
    users, report, code = _scan(tmp_path, "--safe")
    assert code != 3, report["tables"]["target_state"]
    for name in SEEDED:
        assert _profile(users, name) == SEEDED[name]
