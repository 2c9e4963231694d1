"""What a sign-up makes beside its account is deleted with it: a workspace of its own.

The Fastify trial's sign-up gave each new user a workspace named after it (``slug`` the
user name, ``name`` "<user>'s workspace"). The scan deleted its accounts; their 46
workspaces stayed, and the report did not mention them. A FastAPI notebook service of that
shape: each sign-up makes a workspace, a user closes its own account by its id, and a
workspace is deleted by its slug. After the scan only the seeded workspace is left, and
the report lists the others as objects a sign-up made, deleted.
"""

from __future__ import annotations

import itertools
import secrets
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException, Request, Response
from pydantic import BaseModel
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - name: alice
    role: writer
    login:
      operation: POST /auth/login
      json: {username: alice, password: alice-pass-1}
      token: token
"""


class SignUp(BaseModel):
    username: str
    password: str


class NewWorkspace(BaseModel):
    slug: str
    name: str


def caller(request: Request, authorization: Annotated[str, Header()] = "") -> dict[str, Any]:
    """The user the bearer token names, or a 401."""
    book = request.app.state.notebook
    user = book.users.get(book.tokens.get(authorization.removeprefix("Bearer "), 0))
    if user is None:
        raise HTTPException(401, "Not authenticated")
    return dict(user)


Caller = Annotated[dict[str, Any], Depends(caller)]


class Notebook:
    """Users, their workspaces, and the app."""

    def __init__(self) -> None:
        self.ids = itertools.count(2)
        self.users: dict[int, dict[str, Any]] = {
            1: {"id": 1, "username": "alice", "password": "alice-pass-1"}
        }
        self.workspaces = {"alice": {"slug": "alice", "name": "Alice's workspace", "owner": 1}}
        self.tokens: dict[str, int] = {}
        self.app = self._app()

    def _app(self) -> FastAPI:
        app = FastAPI(title="Notebook", version="3.1")
        app.state.notebook = self

        @app.post("/auth/register", status_code=201, summary="Sign up")
        def register(body: SignUp) -> dict[str, Any]:
            if any(u["username"] == body.username for u in self.users.values()):
                raise HTTPException(409, "Username taken")
            uid = next(self.ids)
            self.users[uid] = {"id": uid, "username": body.username, "password": body.password}
            name = f"{body.username}'s workspace"
            self.workspaces[body.username] = {"slug": body.username, "name": name, "owner": uid}
            return {"id": uid, "username": body.username}

        @app.post("/auth/login", summary="Log in")
        def login(body: SignUp) -> dict[str, Any]:
            user = next((u for u in self.users.values() if u["username"] == body.username), None)
            if user is None or user["password"] != body.password:
                raise HTTPException(401, "Invalid credentials")
            token = secrets.token_hex(12)
            self.tokens[token] = user["id"]
            return {"token": token}

        @app.delete("/users/{user_id}", status_code=204, summary="Close your account")
        def close(user_id: int, user: Caller) -> Response:
            if user_id != user["id"]:
                raise HTTPException(403, "Only your own account")
            del self.users[user_id]
            return Response(status_code=204)

        @app.get("/workspaces", summary="Your workspaces")
        def listing(user: Caller) -> list[dict[str, Any]]:
            return [
                {"slug": w["slug"], "name": w["name"]}
                for w in self.workspaces.values()
                if w["owner"] == user["id"]
            ]

        @app.post("/workspaces", status_code=201, summary="Add a workspace")
        def add(body: NewWorkspace, user: Caller) -> dict[str, Any]:
            if body.slug in self.workspaces:
                raise HTTPException(409, "Slug taken")
            self.workspaces[body.slug] = {"slug": body.slug, "name": body.name, "owner": user["id"]}
            return {"slug": body.slug, "name": body.name}

        @app.delete("/workspaces/{slug}", status_code=204, summary="Delete a workspace")
        def delete(slug: str, user: Caller) -> Response:
            found = self.workspaces.get(slug)
            if found is None or found["owner"] != user["id"]:
                raise HTTPException(404, "Not found")
            del self.workspaces[slug]
            return Response(status_code=204)

        return app


def test_the_workspaces_sign_ups_made_are_deleted_with_their_accounts(tmp_path: Path) -> None:
    """A workspace stays only beside alice's and an account the report lists as left: one an
    injection probe signed up under a name it did not make, as which the scan never logs in
    (that name could log it in as someone else)."""
    notebook = Notebook()
    with serving(notebook.app) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path)
    assert done.returncode in {0, 1, 3}, done.stdout[-3000:]
    state = report["tables"]["target_state"]
    left = {r["object"] for r in state if r["what"] == "account signed up" and r["state"] == "left"}
    users = {u["username"] for u in notebook.users.values()}
    assert users - {"alice"} <= left
    assert set(notebook.workspaces) == users
    made = [r for r in state if r["what"] == "object a sign-up made"]
    assert made
    assert all(r["state"] == "deleted" for r in made), made
