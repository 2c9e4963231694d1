"""A helpdesk's saved views: private to their creator, inside workspaces keyed by slug.

Written the FastAPI way (``HTTPBearer``, pydantic bodies, ``HTTPException`` details). Any
user may open a workspace of their own (``POST /workspaces``), so the scan makes one per
identity and, by default, makes its objects there. Acme has alice (its owner), bob and
carol; Globex has dave. bob and carol each have a seeded saved view in Acme, which only
its creator lists and reads.

``Helpdesk(flawed=True)`` checks on ``PATCH /workspaces/{slug}/views/{view_id}`` that the
caller is a member of the workspace, not that the view is theirs: carol may rename bob's
view. ``flawed=False`` checks the creator too.
"""

import itertools
import secrets
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

VIEW = "/workspaces/{slug}/views/{view_id}"
IDENTITIES = "identities:\n" + "".join(
    f"  - name: {name}\n    role: {role}\n    login:\n      operation: POST /auth/login\n"
    f"      json: {{username: {name}, password: {name}-pass}}\n      token: token\n"
    for name, role in (
        ("alice", "owner"),
        ("bob", "member"),
        ("carol", "member"),
        ("dave", "owner"),
    )
)
Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(HTTPBearer(auto_error=False))]


class Login(BaseModel):
    username: str
    password: str


class NewWorkspace(BaseModel):
    slug: str
    name: str


class NewView(BaseModel):
    name: str
    query: str


class ViewChange(BaseModel):
    name: str | None = None
    query: str | None = None


def seeded() -> tuple[dict[str, Any], dict[int, dict[str, Any]]]:
    """The workspaces and the saved views the helpdesk starts with."""
    acme = {"alice": "owner", "bob": "member", "carol": "member"}
    workspaces = {
        "acme": {"slug": "acme", "name": "Acme", "members": acme},
        "globex": {"slug": "globex", "name": "Globex", "members": {"dave": "owner"}},
    }
    views = {
        1: {"id": 1, "workspace": "acme", "owner": "bob", "name": "Open", "query": "is:open"},
        2: {"id": 2, "workspace": "acme", "owner": "carol", "name": "Mine", "query": "me"},
    }
    return workspaces, views


class Helpdesk(FastAPI):
    """The helpdesk; ``workspaces`` and ``views`` are its state, for the test to compare."""

    def __init__(self, *, flawed: bool) -> None:
        super().__init__(title="Helpdesk")
        self.flawed = flawed
        self.workspaces, self.views = seeded()
        self.tokens: dict[str, str] = {}
        self.ids = itertools.count(10)
        self._routes()

    def caller(self, cred: HTTPAuthorizationCredentials | None) -> str:
        user = self.tokens.get(cred.credentials) if cred else None
        if user is None:
            raise HTTPException(401, "Not authenticated")
        return user

    def member(self, slug: str, user: str) -> dict[str, Any]:
        workspace = self.workspaces.get(slug)
        if workspace is None or user not in workspace["members"]:
            raise HTTPException(404, "Workspace not found")
        return workspace

    def view(self, slug: str, view_id: int, user: str, *, creator: bool = True) -> dict[str, Any]:
        self.member(slug, user)
        view = self.views.get(view_id)
        if view is None or view["workspace"] != slug or (creator and view["owner"] != user):
            raise HTTPException(404, "View not found")
        return view

    def _routes(self) -> None:
        @self.post("/auth/login")
        def login(body: Login) -> dict[str, str]:
            if body.username not in {"alice", "bob", "carol", "dave"}:
                raise HTTPException(401, "Invalid credentials")
            if body.password != f"{body.username}-pass":
                raise HTTPException(401, "Invalid credentials")
            token = secrets.token_hex(12)
            self.tokens[token] = body.username
            return {"token": token}

        @self.get("/workspaces", summary="Workspaces you belong to")
        def workspaces(cred: Bearer) -> list[dict[str, str]]:
            user = self.caller(cred)
            mine = [w for w in self.workspaces.values() if user in w["members"]]
            return [{"slug": w["slug"], "name": w["name"]} for w in mine]

        @self.post("/workspaces", status_code=201, summary="Open a workspace of your own")
        def open_workspace(body: NewWorkspace, cred: Bearer) -> dict[str, str]:
            user = self.caller(cred)
            if body.slug in self.workspaces:
                raise HTTPException(409, "Slug taken")
            members = {user: "owner"}
            self.workspaces[body.slug] = {"slug": body.slug, "name": body.name, "members": members}
            return {"slug": body.slug, "name": body.name}

        @self.get("/workspaces/{slug}")
        def workspace(slug: str, cred: Bearer) -> dict[str, str]:
            found = self.member(slug, self.caller(cred))
            return {"slug": found["slug"], "name": found["name"]}

        @self.delete("/workspaces/{slug}", status_code=204, summary="Workspace owners only.")
        def close_workspace(slug: str, cred: Bearer) -> Response:
            user = self.caller(cred)
            if self.member(slug, user)["members"][user] != "owner":
                raise HTTPException(403, "Workspace owners only.")
            del self.workspaces[slug]
            for gone in [k for k, v in self.views.items() if v["workspace"] == slug]:
                del self.views[gone]
            return Response(status_code=204)

        @self.get("/workspaces/{slug}/views", summary="Your saved views in a workspace")
        def views(slug: str, cred: Bearer) -> list[dict[str, Any]]:
            user = self.caller(cred)
            self.member(slug, user)
            return [v for v in self.views.values() if v["workspace"] == slug and v["owner"] == user]

        @self.post("/workspaces/{slug}/views", status_code=201, summary="Save a view")
        def save_view(slug: str, body: NewView, cred: Bearer) -> dict[str, Any]:
            user = self.caller(cred)
            self.member(slug, user)
            view = {"id": next(self.ids), "workspace": slug, "owner": user, **body.model_dump()}
            self.views[view["id"]] = view
            return view

        @self.get(VIEW, summary="One of your saved views; private to its creator")
        def read_view(slug: str, view_id: int, cred: Bearer) -> dict[str, Any]:
            return self.view(slug, view_id, self.caller(cred))

        @self.patch(VIEW, summary="Change one of your saved views")
        def change_view(slug: str, view_id: int, body: ViewChange, cred: Bearer) -> dict[str, Any]:
            user = self.caller(cred)
            view = self.view(slug, view_id, user, creator=not self.flawed)
            view.update(body.model_dump(exclude_none=True))
            return view

        @self.delete(VIEW, status_code=204, summary="Delete one of your saved views")
        def delete_view(slug: str, view_id: int, cred: Bearer) -> Response:
            del self.views[self.view(slug, view_id, self.caller(cred))["id"]]
            return Response(status_code=204)
