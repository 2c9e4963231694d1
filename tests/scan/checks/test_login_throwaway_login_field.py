"""The login check's throwaway account logs in by the field its login takes.

The Quart trial's sign-up took ``email`` first, then ``username`` and ``password``; its login
took the ``username``. The throwaway signed up by its e-mail, logged in with the e-mail in the
``username`` field, was answered 404, and the whole login check was skipped ("a throwaway
account does not log in"): the planted user enumeration (404 for no such user, 401 for a
wrong password) and the missing lockout went untried in every mode.

This API is written with FastAPI's own idioms: pydantic models whose field order the contract
keeps, ``HTTPException`` answers, a bearer token from the login.
"""

# No ``from __future__ import annotations``: FastAPI reads the routes' annotations at run time.
import secrets
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - name: alice
    login:
      operation: POST /auth/login
      json: {username: alice, password: alice-listens-42}
      token: token
  - name: bob
    login:
      operation: POST /auth/login
      json: {username: bob, password: bob-hears-everything}
      token: token
"""


class SignUp(BaseModel):
    email: str
    username: str
    password: str
    display_name: str = ""


class Login(BaseModel):
    username: str
    password: str


def podcasts() -> FastAPI:
    """Sign-up, login (404 for an unknown user, 401 for a wrong password, no lockout), /me."""
    users: dict[str, dict[str, str]] = {
        "alice": {"email": "alice@pod.example", "password": "alice-listens-42"},
        "bob": {"email": "bob@pod.example", "password": "bob-hears-everything"},
    }
    tokens: dict[str, str] = {}
    app = FastAPI(title="podcasts")

    @app.post("/auth/register", status_code=201)
    def register(body: SignUp) -> dict[str, str]:
        if body.username in users:
            raise HTTPException(409, "username taken")
        users[body.username] = {"email": body.email, "password": body.password}
        return {"username": body.username, "email": body.email}

    @app.post("/auth/login")
    def login(body: Login) -> dict[str, str]:
        user = users.get(body.username)
        if user is None:
            raise HTTPException(404, "no such user")
        if user["password"] != body.password:
            raise HTTPException(401, "wrong password")
        token = secrets.token_hex(16)
        tokens[token] = body.username
        return {"token": token}

    return app


def test_the_throwaway_logs_in_by_user_name_and_the_login_is_attacked(tmp_path: Path) -> None:
    """Enumeration and the missing lockout are both found, on the scan's own account."""
    with serving(podcasts()) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "login")
    assert done.returncode != 2, done.stdout + done.stderr
    found: list[dict[str, Any]] = [f for f in report["findings"] if f["check"] == "login"]
    skipped = [s["detail"] for s in report["skipped"] if s["check"] == "login"]
    assert any(f["cwe"] == "CWE-204" for f in found), skipped
    assert any(f["cwe"] == "CWE-307" for f in found), skipped
