"""Tasks under a workspace's projects, as the Sanic trial wrote them: what a scan must reach.

* Answers come in a ``{"status": "ok", "result": …}`` envelope; the envelope's ``ok`` is no
  value of a task's ``status`` (the scan had sent ``"status": "ok"``).
* The contract says ``status`` is a string; the API takes ``todo``, ``in_progress`` or
  ``done`` and says so when refused: the scan's task is made with one of them.
* ``GET /workspaces/{slug}/projects/{project_id}/tasks`` is read under the workspace the
  project is in: the scan had paired one identity's workspace with a project of another, got
  404 at every baseline, and never tried the listing's SQL injection (``q``, f-string SQL).
* Carol is a viewer of alice's workspace and alice a member of carol's: each reading or
  adding to the other's projects is membership, not BOLA (two high findings were false).
"""

from __future__ import annotations

import secrets
import sqlite3
import uuid
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from tests.conftest import scan_with_identities

from serving import serving

PEOPLE = {"alice": 2, "bob": 3, "carol": 4}
IDENTITIES = "identities:\n" + "".join(
    f"""  - name: {name}
    role: user
    login:
      operation: POST /auth/login
      json: {{email: {name}@example.com, password: {name}-pass-2024}}
      token: result.token
      header: X-Auth-Token
      prefix: ""
"""
    for name in PEOPLE
)
_SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
_PROJECT = {"name": "project_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_SECURED = [{"token": []}]


def _json(**properties: Any) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": {
        "type": "object", "properties": properties}}}}  # fmt: skip


_OK = {"200": {"description": "OK"}}
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "projects", "version": "1"},
    "components": {"securitySchemes": {
        "token": {"type": "apiKey", "in": "header", "name": "X-Auth-Token"}}},
    "paths": {
        "/auth/login": {"post": {
            "operationId": "post~login", "summary": "Log in",
            "requestBody": _json(email={"type": "string"}, password={"type": "string"}),
            "responses": _OK}},
        "/workspaces": {"get": {
            "operationId": "get~workspaces", "summary": "Workspaces I belong to",
            "security": _SECURED, "responses": _OK}},
        "/workspaces/{slug}/projects": {
            "get": {"operationId": "get~projects", "summary": "Projects in a workspace",
                    "security": _SECURED, "parameters": [_SLUG], "responses": _OK},
            "post": {"operationId": "post~project", "summary": "Create a project",
                     "security": _SECURED, "parameters": [_SLUG],
                     "requestBody": _json(name={"type": "string"}),
                     "responses": {"201": {"description": "Created"}}}},
        "/workspaces/{slug}/projects/{project_id}/tasks": {
            "get": {"operationId": "get~tasks", "summary": "Tasks of a project, filtered",
                    "security": _SECURED,
                    "parameters": [_SLUG, _PROJECT,
                                   {"name": "q", "in": "query", "schema": {"type": "string"}}],
                    "responses": _OK},
            "post": {"operationId": "post~task", "summary": "Create a task",
                     "security": _SECURED, "parameters": [_SLUG, _PROJECT],
                     "requestBody": _json(title={"type": "string"}, status={"type": "string"}),
                     "responses": {"201": {"description": "Created"}}}},
        "/workspaces/{slug}/projects/{project_id}/tasks/{task_id}": {"delete": {
            "operationId": "delete~task", "summary": "Delete a task", "security": _SECURED,
            "parameters": [_SLUG, _PROJECT, {"name": "task_id", "in": "path", "required": True,
                                             "schema": {"type": "string"}}],
            "responses": {"204": {"description": "Deleted"}}}},
    },
}  # fmt: skip
_STATES = ("todo", "in_progress", "done")


class Workspaces:
    """Workspaces with members, projects and tasks in SQLite; tasks the scan made, counted."""

    def __init__(self) -> None:
        self.db = sqlite3.connect(":memory:", check_same_thread=False)
        self.db.executescript(
            """
            create table workspaces (id integer primary key, slug text, owner integer);
            create table members (workspace integer, person integer, role text);
            create table projects (id integer primary key, workspace integer, name text);
            create table tasks (id text primary key, project integer, title text, status text);
            insert into workspaces values (1, 'acme', 2), (2, 'bobworks', 3), (3, 'studio', 4);
            insert into members values (1, 2, 'owner'), (2, 3, 'owner'), (3, 4, 'owner'),
                                       (1, 4, 'viewer'), (3, 2, 'member');
            insert into projects values (1, 1, 'Website'), (2, 2, 'Taxes'), (3, 3, 'Brand');
            insert into tasks values ('t-1', 1, 'Ship the website', 'todo'),
                                     ('t-2', 2, 'File the return', 'done'),
                                     ('t-3', 3, 'Draw the logo', 'in_progress');
            """
        )
        self.tokens: dict[str, int] = {}
        self.made_tasks = 0

    def app(self) -> Starlette:
        """The API."""
        return Starlette(
            routes=[
                Route("/openapi.json", lambda r: JSONResponse(CONTRACT)),
                Route("/auth/login", self.login, methods=["POST"]),
                Route("/workspaces", self.workspaces),
                Route("/workspaces/{slug}/projects", self.projects, methods=["GET", "POST"]),
                Route(
                    "/workspaces/{slug}/projects/{project_id:int}/tasks",
                    self.tasks,
                    methods=["GET", "POST"],
                ),
                Route(
                    "/workspaces/{slug}/projects/{project_id:int}/tasks/{task_id}",
                    self.delete_task,
                    methods=["DELETE"],
                ),
            ]
        )

    @staticmethod
    def _ok(result: Any, status: int = 200) -> JSONResponse:
        return JSONResponse({"status": "ok", "result": result}, status)

    async def login(self, request: Request) -> Response:
        body = await request.json()
        name = str(body.get("email", "")).removesuffix("@example.com")
        if name not in PEOPLE or body.get("password") != f"{name}-pass-2024":
            return PlainTextResponse("Incorrect password", 401)
        token = secrets.token_urlsafe(12)
        self.tokens[token] = PEOPLE[name]
        return self._ok({"token": token})

    def _role(self, request: Request) -> tuple[int | None, int | None, str | None]:
        """The caller, the path's workspace, and the caller's role there."""
        caller = self.tokens.get(request.headers.get("x-auth-token", ""))
        row = self.db.execute(
            "select w.id, m.role from workspaces w left join members m"
            " on m.workspace = w.id and m.person = ? where w.slug = ?",
            (caller, request.path_params.get("slug")),
        ).fetchone()
        return caller, (row[0] if row else None), (row[1] if row else None)

    async def workspaces(self, request: Request) -> Response:
        caller = self.tokens.get(request.headers.get("x-auth-token", ""))
        if caller is None:
            return PlainTextResponse("Authentication required", 401)
        rows = self.db.execute(
            "select w.id, w.slug, w.owner, m.role from workspaces w join members m"
            " on m.workspace = w.id where m.person = ?",
            (caller,),
        ).fetchall()
        return self._ok([{"id": i, "slug": s, "owner_id": o, "my_role": r} for i, s, o, r in rows])

    async def projects(self, request: Request) -> Response:
        caller, workspace, role = self._role(request)
        if caller is None:
            return PlainTextResponse("Authentication required", 401)
        if workspace is None or role is None:
            return PlainTextResponse("Not a member of this workspace", 403)
        if request.method == "POST":
            if role == "viewer":
                return PlainTextResponse("Viewers cannot create projects", 403)
            body = await request.json()
            name = str(body.get("name") or "")
            number = self.db.execute(
                "insert into projects (workspace, name) values (?, ?)", (workspace, name)
            ).lastrowid
            return self._ok({"id": number, "workspace_id": workspace, "name": name}, 201)
        rows = self.db.execute(
            "select id, name from projects where workspace = ?", (workspace,)
        ).fetchall()
        items = [{"id": i, "workspace_id": workspace, "name": n} for i, n in rows]
        return self._ok({"items": items, "page": 1, "total": len(items)})

    def _project(self, request: Request, workspace: int) -> bool:
        found = self.db.execute(
            "select 1 from projects where id = ? and workspace = ?",
            (request.path_params["project_id"], workspace),
        ).fetchone()
        return found is not None

    async def tasks(self, request: Request) -> Response:
        caller, workspace, role = self._role(request)
        if caller is None:
            return PlainTextResponse("Authentication required", 401)
        if workspace is None or role is None or not self._project(request, workspace):
            return PlainTextResponse("Project not found", 404)
        project = request.path_params["project_id"]
        if request.method == "POST":
            body = await request.json()
            if not body.get("title") or body.get("status") not in _STATES:
                return JSONResponse(
                    {"description": "Bad Request", "status": 400,
                     "message": "title is required and status must be todo, in_progress or done"},
                    400,
                )  # fmt: skip
            task = {"id": str(uuid.uuid4()), "title": body["title"], "status": body["status"]}
            self.db.execute(
                "insert into tasks values (?, ?, ?, ?)",
                (task["id"], project, task["title"], task["status"]),
            )
            self.made_tasks += 1
            return self._ok(task, 201)
        text = request.query_params.get("q", "")
        try:  # the planted flaw: the filter pasted into the SQL
            rows = self.db.execute(
                f"select id, title, status from tasks where project = {project}"  # noqa: S608
                f" and title like '%{text}%'"
            ).fetchall()
        except sqlite3.Error:
            return PlainTextResponse("Internal Server Error", 500)
        return self._ok([{"id": i, "title": t, "status": s} for i, t, s in rows])

    async def delete_task(self, request: Request) -> Response:
        caller, workspace, role = self._role(request)
        if caller is None:
            return PlainTextResponse("Authentication required", 401)
        if workspace is None or role in (None, "viewer") or not self._project(request, workspace):
            return PlainTextResponse("Project not found", 404)
        self.db.execute(
            "delete from tasks where id = ? and project = ?",
            (request.path_params["task_id"], request.path_params["project_id"]),
        )
        return Response(status_code=204)


def test_the_tasks_of_a_workspace_are_made_listed_and_injected(tmp_path: Path) -> None:
    """The scan makes tasks, finds the listing's SQL injection, and calls no member a BOLA."""
    service = Workspaces()
    with serving(service.app()) as url:
        done, report = scan_with_identities(
            url, IDENTITIES, tmp_path, "--checks", "bola,sql_injection"
        )
    assert done.returncode in (0, 1), done.stdout + done.stderr
    assert service.made_tasks > 0
    found = {(f["check"], f["operation"]) for f in report["findings"]}
    assert ("sql_injection", "GET /workspaces/{slug}/projects/{project_id}/tasks") in found
    assert not [f for f in report["findings"] if f["check"] == "bola"], report["findings"]
