"""Objects two nested listings deep are found, whatever order the contract lists them in.

A team tracker written in Falcon, laid out the NestJS way: a workspace by slug, its
projects at ``GET /workspaces/{slug}/projects``, a project's tasks at
``GET /projects/{projectId}/tasks``, a task by UUID at ``GET /tasks/{id}``. A task's id
shows in its project's listing only, and a project's in its workspace's only. The scan
used to read the nested listings in one sweep: the tasks' listing came first and had no
project to list under, so no task id was ever known and a task anyone reads by id went
unfound (the Nest trial's F1). The fixed twin gives no finding; nothing is written.
A task's comments are a third level: bob reading alice's is found, though her first task
has none (the scan used to try only that one, and an empty list proves nothing).
"""

from __future__ import annotations

import copy
import uuid
from pathlib import Path
from typing import Any

import falcon
import falcon.asgi
import pytest
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - {name: alice, role: member, headers: {Authorization: Bearer tt-alice}}
  - {name: bob, role: member, headers: {Authorization: Bearer tt-bob}}
"""
TOKENS = {"Bearer tt-alice": "alice", "Bearer tt-bob": "bob"}
WORKSPACES = {"acme": "alice", "garage": "bob"}
PROJECTS = {
    str(uuid.UUID(int=1)): {"workspace": "acme", "name": "Roadmap"},
    str(uuid.UUID(int=2)): {"workspace": "garage", "name": "Inventory"},
}
TASKS = {
    str(uuid.UUID(int=100 + n)): {"project": project, "title": f"Task {n}"}
    for n, project in enumerate([*PROJECTS, *PROJECTS])
}
COMMENTS = {  # on each member's second task only: its first has none
    str(uuid.UUID(int=200 + n)): {"task": task, "body": f"Comment {n}"}
    for n, task in enumerate(list(TASKS)[2:])
}
SEED = {"workspaces": WORKSPACES, "projects": PROJECTS, "tasks": TASKS, "comments": COMMENTS}


def _path(name: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema or {"type": "string"}}


def _answer(schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "200": {"description": "OK", "content": {"application/json": {"schema": schema}}},
        "403": {"description": "Not a member of the workspace"},
        "404": {"description": "Not found"},
    }


UUID = {"type": "string", "format": "uuid"}
TASK = {"type": "object", "properties": {"id": UUID, "title": {"type": "string"}}}
PROJECT = {"type": "object", "properties": {"id": UUID, "name": {"type": "string"}}}
WORKSPACE = {"type": "object", "properties": {"slug": {"type": "string"}}}
COMMENT = {"type": "object", "properties": {"id": UUID, "body": {"type": "string"}}}
CONTRACT = {
    "openapi": "3.0.0",
    "info": {"title": "tracker", "version": "2.0.0"},
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/workspaces": {"get": {"responses": _answer({"type": "array", "items": WORKSPACE})}},
        "/workspaces/{slug}/projects": {
            "get": {
                "parameters": [_path("slug")],
                "responses": _answer({"type": "array", "items": PROJECT}),
            }
        },
        "/projects/{projectId}/tasks": {
            "get": {
                "parameters": [_path("projectId")],
                "responses": _answer(
                    {"type": "object", "properties": {"data": {"type": "array", "items": TASK}}}
                ),
            }
        },
        "/tasks/{id}": {
            "get": {"parameters": [_path("id", UUID)], "responses": _answer(TASK)},
        },
        "/tasks/{taskId}/comments": {
            "get": {
                "parameters": [_path("taskId", UUID)],
                "responses": _answer({"type": "array", "items": COMMENT}),
            },
        },
    },
}


def app_of(
    data: dict[str, dict[str, Any]], *, flawed: bool, open_comments: bool = False
) -> falcon.asgi.App:
    """The tracker; ``flawed`` serves any task by its id, as a lookup by id alone does, and
    ``open_comments`` any task's comments (the service checks only that the task exists)."""

    def caller(req: falcon.asgi.Request) -> str:
        who = TOKENS.get(req.get_header("Authorization") or "")
        if who is None:
            raise falcon.HTTPUnauthorized(title="Unauthorized")
        return who

    def member(who: str, workspace: str) -> None:
        if data["workspaces"].get(workspace) != who:
            raise falcon.HTTPForbidden(title="Not a member of the workspace")

    class Contract:
        async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
            resp.media = CONTRACT

    class Workspaces:
        async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
            who = caller(req)
            resp.media = [{"slug": s} for s, owner in data["workspaces"].items() if owner == who]

    class Projects:
        async def on_get(
            self, req: falcon.asgi.Request, resp: falcon.asgi.Response, slug: str
        ) -> None:
            member(caller(req), slug)
            rows = data["projects"].items()
            resp.media = [{"id": k, "name": p["name"]} for k, p in rows if p["workspace"] == slug]

    class ProjectTasks:
        async def on_get(
            self, req: falcon.asgi.Request, resp: falcon.asgi.Response, project: str
        ) -> None:
            found = data["projects"].get(project)
            if found is None:
                raise falcon.HTTPNotFound(title="Project not found")
            member(caller(req), found["workspace"])
            rows = data["tasks"].items()
            tasks = [{"id": k, "title": t["title"]} for k, t in rows if t["project"] == project]
            resp.media = {"data": tasks}

    def task_of(req: falcon.asgi.Request, key: str, *, checked: bool) -> dict[str, Any]:
        """Task ``key``, once the caller is found a member of its workspace when ``checked``."""
        who = caller(req)
        task = data["tasks"].get(key)
        if task is None:
            raise falcon.HTTPNotFound(title="Task not found")
        if checked:
            member(who, data["projects"][task["project"]]["workspace"])
        return task

    class Task:
        async def on_get(
            self, req: falcon.asgi.Request, resp: falcon.asgi.Response, key: str
        ) -> None:
            task = task_of(req, key, checked=not flawed)
            resp.media = {"id": key, "title": task["title"]}

    class Comments:
        async def on_get(
            self, req: falcon.asgi.Request, resp: falcon.asgi.Response, key: str
        ) -> None:
            task_of(req, key, checked=not open_comments)
            rows = data["comments"].items()
            resp.media = [{"id": k, "body": c["body"]} for k, c in rows if c["task"] == key]

    app = falcon.asgi.App()
    app.add_route("/openapi.json", Contract())
    app.add_route("/workspaces", Workspaces())
    app.add_route("/workspaces/{slug}/projects", Projects())
    app.add_route("/projects/{project}/tasks", ProjectTasks())
    app.add_route("/tasks/{key}", Task())
    app.add_route("/tasks/{key}/comments", Comments())
    return app


@pytest.mark.parametrize("flawed", [True, False], ids=["flawed", "fixed"])
def test_a_task_known_only_two_listings_deep_is_tried_by_id(tmp_path: Path, flawed: bool) -> None:
    """bob reading alice's task by its UUID is found; the fixed twin gives nothing."""
    data = copy.deepcopy(SEED)
    with serving(app_of(data, flawed=flawed)) as url:
        result, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "bola")
    assert result.returncode in {0, 1}, result.stdout[-3000:] + result.stderr[-3000:]
    found = {f["operation"] for f in report["findings"] if f["check"] == "bola"}
    assert found == ({"GET /tasks/{id}"} if flawed else set())
    listed = {r["target"] for r in report["tables"]["requests"] if r["path"].endswith("/tasks")}
    assert listed, "no project's tasks were listed"
    assert data == SEED


def test_anothers_comments_are_read_under_a_task_that_has_some(tmp_path: Path) -> None:
    """bob reading the comments of alice's task is found, though her first task has none."""
    data = copy.deepcopy(SEED)
    with serving(app_of(data, flawed=False, open_comments=True)) as url:
        result, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "bola")
    assert result.returncode in {0, 1}, result.stdout[-3000:] + result.stderr[-3000:]
    found = {f["operation"] for f in report["findings"] if f["check"] == "bola"}
    assert found == {"GET /tasks/{taskId}/comments"}
    assert data == SEED
