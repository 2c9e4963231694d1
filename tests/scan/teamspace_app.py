"""A team workspace API written the Starlette way: projects under workspaces shared by members.

Two workspaces, each with members of different roles: north has olga (admin), emil
(editor) and vic (viewer); south has sara (admin) and erin (editor). ``GET /workspaces``
lists the caller's own memberships, so every member of north sees north: a workspace is
shared by its members and made by none of them. Editors and admins make projects under
their workspace (``/workspaces/{workspace_id}/projects/{project_id}``), change and
delete their own, and attach files to them by URL
(``POST .../projects/{project_id}/attachments``). Only an admin renames the workspace.
Tokens are fixed (``Authorization: Bearer ...``); errors are Starlette's own plain
``HTTPException`` pages. The contract is written by hand and, as frameworks that consume
a path parameter in a dependency do, leaves ``workspace_id`` out of the project read.

``Teamspace(flawed=True)``:

* reads a project by its id alone, whatever workspace the path names (another
  workspace's project under one's own);
* checks a project write's role against the caller's own workspace, not the path's, and
  does not check the project's owner;
* applies every key of a project update, ``approved`` (read-only: an admin's call)
  included;
* fetches an attachment's ``source_url`` from the server, wherever it points.

``flawed=False`` is the fixed twin: the path's workspace, the owner and the fields are
checked, and a source outside ``files.example.com`` is refused unfetched.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from serving import serving

TOKENS = {
    "Bearer ts-olga-41c7": "olga",
    "Bearer ts-emil-9a02": "emil",
    "Bearer ts-vic-55e1": "vic",
    "Bearer ts-sara-0b3d": "sara",
    "Bearer ts-erin-7f64": "erin",
}
WORKSPACES: dict[int, dict[str, Any]] = {
    1: {"name": "North", "members": {"olga": "admin", "emil": "editor", "vic": "viewer"}},
    2: {"name": "South", "members": {"sara": "admin", "erin": "editor"}},
}
PROJECTS: dict[int, dict[str, Any]] = {
    11: {"workspace_id": 1, "owner": "emil", "name": "Roadmap", "description": "", "approved": True},
    12: {"workspace_id": 2, "owner": "erin", "name": "Launch", "description": "", "approved": False},
}  # fmt: skip
ALLOWED_HOST = "files.example.com"
IDENTITIES = """\
identities:
  - name: olga
    role: admin
    rank: 3
    headers: {Authorization: "Bearer ts-olga-41c7"}
  - name: sara
    role: admin
    rank: 3
    headers: {Authorization: "Bearer ts-sara-0b3d"}
  - name: emil
    role: editor
    rank: 2
    headers: {Authorization: "Bearer ts-emil-9a02"}
  - name: erin
    role: editor
    rank: 2
    headers: {Authorization: "Bearer ts-erin-7f64"}
  - name: vic
    role: viewer
    rank: 1
    headers: {Authorization: "Bearer ts-vic-55e1"}
"""
_WRITERS = {"admin", "editor"}


def _contract() -> dict[str, Any]:
    workspace = {
        "type": "object",
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
    }
    project = {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "workspace_id": {"type": "integer"},
            "owner": {"type": "string"},
            "name": {"type": "string"},
            "description": {"type": "string"},
            "approved": {"type": "boolean", "readOnly": True},
        },
    }
    project_in = {
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 60},
            "description": {"type": "string", "maxLength": 200},
        },
    }
    attachment = {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "project_id": {"type": "integer"},
            "title": {"type": "string"},
            "source_url": {"type": "string", "format": "uri"},
            "size": {"type": "integer"},
        },
    }
    attachment_in = {
        "type": "object",
        "required": ["title", "source_url"],
        "properties": {
            "title": {"type": "string", "minLength": 1, "maxLength": 60},
            "source_url": {"type": "string", "format": "uri"},
        },
    }
    ws = {"name": "workspace_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    pid = {"name": "project_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    aid = {"name": "attachment_id", "in": "path", "required": True, "schema": {"type": "integer"}}

    def ok(schema: dict[str, Any], status: str = "200") -> dict[str, Any]:
        content = {"application/json": {"schema": schema}}
        return {status: {"description": "ok", "content": content}, "404": {"description": "none"}}

    def many(schema: dict[str, Any]) -> dict[str, Any]:
        return ok({"type": "array", "items": schema})

    def body(schema: dict[str, Any]) -> dict[str, Any]:
        return {"required": True, "content": {"application/json": {"schema": schema}}}

    gone = {"204": {"description": "deleted"}, "404": {"description": "none"}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Teamspace", "version": "2.0"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
            "/workspaces": {"get": {"summary": "My workspaces", "responses": many(workspace)}},
            "/workspaces/{workspace_id}": {
                "parameters": [ws],
                "get": {"responses": ok(workspace)},
                "patch": {
                    "summary": "Rename the workspace (admins)",
                    "requestBody": body(
                        {"type": "object", "properties": {"name": {"type": "string"}}}
                    ),
                    "responses": ok(workspace),
                },
            },
            "/workspaces/{workspace_id}/projects": {
                "parameters": [ws],
                "get": {"responses": many(project)},
                "post": {"requestBody": body(project_in), "responses": ok(project, "201")},
            },
            "/workspaces/{workspace_id}/projects/{project_id}": {
                # workspace_id is consumed by a dependency: the contract forgets it here.
                "get": {"parameters": [pid], "responses": ok(project)},
                "patch": {
                    "parameters": [ws, pid],
                    "requestBody": body(project_in),
                    "responses": ok(project),
                },
                "delete": {"parameters": [ws, pid], "responses": gone},
            },
            "/workspaces/{workspace_id}/projects/{project_id}/attachments": {
                "parameters": [ws, pid],
                "get": {"responses": many(attachment)},
                "post": {"requestBody": body(attachment_in), "responses": ok(attachment, "201")},
            },
            "/workspaces/{workspace_id}/projects/{project_id}/attachments/{attachment_id}": {
                "parameters": [ws, pid, aid],
                "get": {"responses": ok(attachment)},
                "delete": {"responses": gone},
            },
        },
    }


class Teamspace:
    """The service's state and its Starlette app."""

    def __init__(self, *, flawed: bool) -> None:
        self.flawed = flawed
        self.workspaces = copy.deepcopy(WORKSPACES)
        self.projects = copy.deepcopy(PROJECTS)
        self.attachments: dict[int, dict[str, Any]] = {}
        self.made = 0
        """Projects and attachments the API created (so a test knows the scan wrote some)."""
        self.fetched: list[str] = []
        """URLs the server fetched for an attachment."""
        self.requests: list[tuple[str, str]] = []
        """Every request's method and raw path, as it reached the server."""
        self._ids = itertools.count(500)
        self.app = self._build()

    def _build(self) -> ASGIApp:
        async def contract(request: Request) -> Response:
            return JSONResponse(_contract())

        def caller(request: Request) -> str:
            who = TOKENS.get(request.headers.get("authorization", ""))
            if who is None:
                raise HTTPException(401)
            return who

        def role(who: str, workspace: int) -> str | None:
            found = self.workspaces.get(workspace)
            return found["members"].get(who) if found else None

        def own_role(who: str) -> str | None:
            """The caller's role in its own (first) workspace: the flawed check."""
            return next(
                (w["members"][who] for w in self.workspaces.values() if who in w["members"]), None
            )

        def member(request: Request) -> tuple[str, int, str]:
            who, workspace = caller(request), int(request.path_params["workspace_id"])
            held = role(who, workspace)
            if held is None:
                raise HTTPException(404)
            return who, workspace, held

        def project(workspace: int, project_id: int, *, scoped: bool) -> dict[str, Any]:
            found = self.projects.get(project_id)
            if found is None or (scoped and found["workspace_id"] != workspace):
                raise HTTPException(404)
            return found

        def project_out(project_id: int) -> dict[str, Any]:
            return {"id": project_id, **self.projects[project_id]}

        async def valid(request: Request) -> dict[str, Any]:
            try:
                data = await request.json()
            except ValueError:
                raise HTTPException(400) from None
            if not isinstance(data, dict):
                raise HTTPException(400)
            return data

        def named(data: dict[str, Any]) -> dict[str, Any]:
            name, text = data.get("name"), data.get("description", "")
            if not isinstance(name, str) or not 0 < len(name) <= 60:
                raise HTTPException(422, "name is required")
            if not isinstance(text, str) or len(text) > 200:
                raise HTTPException(422, "description is at most 200 characters")
            return {"name": name, "description": text}

        async def list_workspaces(request: Request) -> Response:
            who = caller(request)
            mine = [
                {"id": k, "name": w["name"]}
                for k, w in self.workspaces.items()
                if who in w["members"]
            ]
            return JSONResponse(mine)

        async def workspace(request: Request) -> Response:
            _, ws, held = member(request)
            if request.method == "PATCH":
                if held != "admin":
                    raise HTTPException(403)
                self.workspaces[ws]["name"] = named(await valid(request))["name"]
            return JSONResponse({"id": ws, "name": self.workspaces[ws]["name"]})

        async def projects(request: Request) -> Response:
            who, ws, held = member(request)
            if request.method == "GET":
                found = [
                    project_out(p) for p, v in self.projects.items() if v["workspace_id"] == ws
                ]
                return JSONResponse(found)
            if held not in _WRITERS:
                raise HTTPException(403)
            fields = named(await valid(request))
            new = next(self._ids)
            self.projects[new] = {"workspace_id": ws, "owner": who, "approved": False, **fields}
            self.made += 1
            return JSONResponse(project_out(new), status_code=201)

        async def read_project(request: Request) -> Response:
            _, ws, _ = member(request)
            pid = int(request.path_params["project_id"])
            project(ws, pid, scoped=not self.flawed)
            return JSONResponse(project_out(pid))

        def may_write(who: str, ws: int, found: dict[str, Any]) -> bool:
            if self.flawed:
                return (
                    own_role(who) in _WRITERS
                )  # the flaw: neither the path's workspace nor the owner
            held = role(who, ws)
            return held == "admin" or (held == "editor" and found["owner"] == who)

        async def write_project(request: Request) -> Response:
            who, ws = caller(request), int(request.path_params["workspace_id"])
            if not self.flawed and role(who, ws) is None:
                raise HTTPException(404)
            pid = int(request.path_params["project_id"])
            found = project(ws, pid, scoped=not self.flawed)
            if not may_write(who, ws, found):
                raise HTTPException(403)
            if request.method == "DELETE":
                del self.projects[pid]
                self.attachments = {
                    k: v for k, v in self.attachments.items() if v["project_id"] != pid
                }
                return Response(status_code=204)
            data = await valid(request)
            fields = named({**found, **data})
            if self.flawed:  # the flaw: every key the client sent is applied
                fields = {**data, **fields}
                fields = {
                    k: v for k, v in fields.items() if k in {"name", "description", "approved"}
                }
            found.update(fields)
            return JSONResponse(project_out(pid))

        def own_project(request: Request) -> tuple[str, int, int]:
            who, ws, held = member(request)
            pid = int(request.path_params["project_id"])
            found = project(ws, pid, scoped=True)
            if request.method != "GET" and (held not in _WRITERS or found["owner"] != who):
                raise HTTPException(403)
            return who, ws, pid

        async def attachments(request: Request) -> Response:
            _, _, pid = own_project(request)
            if request.method == "GET":
                found = [
                    {"id": k, **v} for k, v in self.attachments.items() if v["project_id"] == pid
                ]
                return JSONResponse(found)
            data = await valid(request)
            title, url = data.get("title"), data.get("source_url")
            if not isinstance(title, str) or not isinstance(url, str) or not 0 < len(title) <= 60:
                raise HTTPException(422, "title and source_url are required")
            if not self.flawed and (
                urlsplit(url).scheme != "https" or urlsplit(url).hostname != ALLOWED_HOST
            ):
                raise HTTPException(422, f"source_url must be an https URL on {ALLOWED_HOST}")
            size = await asyncio.to_thread(self._fetch, url) if self.flawed else 0
            new = next(self._ids)
            self.attachments[new] = {
                "project_id": pid,
                "title": title,
                "source_url": url,
                "size": size,
            }
            self.made += 1
            return JSONResponse({"id": new, **self.attachments[new]}, status_code=201)

        async def attachment(request: Request) -> Response:
            _, _, pid = own_project(request)
            aid = int(request.path_params["attachment_id"])
            found = self.attachments.get(aid)
            if found is None or found["project_id"] != pid:
                raise HTTPException(404)
            if request.method == "DELETE":
                del self.attachments[aid]
                return Response(status_code=204)
            return JSONResponse({"id": aid, **found})

        base = "/workspaces/{workspace_id:int}/projects/{project_id:int}"
        app = Starlette(
            routes=[
                Route("/openapi.json", contract),
                Route("/workspaces", list_workspaces),
                Route("/workspaces/{workspace_id:int}", workspace, methods=["GET", "PATCH"]),
                Route("/workspaces/{workspace_id:int}/projects", projects, methods=["GET", "POST"]),
                Route(base, read_project, methods=["GET"]),
                Route(base, write_project, methods=["PATCH", "DELETE"]),
                Route(f"{base}/attachments", attachments, methods=["GET", "POST"]),
                Route(
                    f"{base}/attachments/{{attachment_id:int}}",
                    attachment,
                    methods=["GET", "DELETE"],
                ),
            ]
        )

        async def recorded(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http":
                self.requests.append((scope["method"], scope["raw_path"].decode("latin-1")))
            await app(scope, receive, send)

        return recorded

    def _fetch(self, url: str) -> int:
        """The flawed server's fetch of an attachment (any URL): its size, 0 when it failed."""
        self.fetched.append(url)
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:  # the planted SSRF
                return len(answer.read(65536))
        except (OSError, ValueError):
            return 0


@contextmanager
def running(service: Teamspace) -> Iterator[str]:
    """Serve ``service`` on 127.0.0.1 until the block ends; yields its base URL."""
    with serving(service.app) as url:
        yield url
