"""A small Starlette task tracker behind apiward's guard, with an admin router mounted beside it.

Tasks have integer ids and a status enum; ``/legacy/tasks`` is deprecated but still
served; ``/internal/metrics`` is served and documented nowhere. The admin router
(``/admin/members...``) is in the contract but mounted *before* the guard, as happens
when a team adds a router to the outer app: the guard never sees those requests, so its
audit log misses them. Errors are Starlette's plain-text defaults: someone else's API.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Mount, Route

from apiward.guard import AuditPolicy, Guard, Policy
from apiward.guard.policy import RoutesPolicy
from apiward.guard.vocabulary import Decision
from apiward.spec import load

TASKS = {
    1: {"id": 1, "title": "write the release notes", "status": "open"},
    2: {"id": 2, "title": "rotate the signing key", "status": "done"},
}
MEMBERS = {"kofi": {"name": "kofi", "role": "maintainer"}, "ines": {"name": "ines", "role": "dev"}}


def contract() -> dict[str, Any]:
    """The tracker's OpenAPI 3.1 contract (the admin routes included: they are the API's)."""
    task = {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "status": {"type": "string", "enum": ["open", "done"]},
        },
    }
    ok = {"description": "ok", "content": {"application/json": {"schema": task}}}
    many = {
        "description": "ok",
        "content": {"application/json": {"schema": {"type": "array", "items": task}}},
    }
    status = {
        "name": "status",
        "in": "query",
        "schema": {"type": "string", "enum": ["open", "done"]},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "tracker", "version": "1"},
        "paths": {
            "/tasks": {
                "get": {
                    "operationId": "listTasks",
                    "parameters": [status],
                    "responses": {"200": many},
                }
            },
            "/tasks/{task_id}": {
                "get": {
                    "operationId": "getTask",
                    "parameters": [
                        {
                            "name": "task_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer"},
                        }
                    ],
                    "responses": {"200": ok, "404": {"description": "no such task"}},
                }
            },
            "/legacy/tasks": {
                "get": {
                    "operationId": "legacyTasks",
                    "deprecated": True,
                    "responses": {"200": many},
                }
            },
            "/admin/members/{name}": {
                "get": {
                    "operationId": "getMember",
                    "parameters": [
                        {
                            "name": "name",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {
                        "200": {"description": "a member"},
                        "404": {"description": "none"},
                    },
                }
            },
        },
    }


def write_contract(folder: Path) -> Path:
    """The contract as a JSON file in ``folder``."""
    path = folder / "tracker.json"
    path.write_bytes(orjson.dumps(contract()))
    return path


async def _tasks(request: Request) -> JSONResponse:
    wanted = request.query_params.get("status")
    return JSONResponse([t for t in TASKS.values() if wanted in (None, t["status"])])


async def _task(request: Request) -> JSONResponse:
    try:
        return JSONResponse(TASKS[int(request.path_params["task_id"])])
    except (KeyError, ValueError):
        raise HTTPException(404) from None


async def _metrics(request: Request) -> PlainTextResponse:
    return PlainTextResponse("tasks_total 2\n")


async def _member(request: Request) -> JSONResponse:
    found = MEMBERS.get(request.path_params["name"])
    if found is None:
        raise HTTPException(404)
    return JSONResponse(found)


def tracker(contract_path: Path, audit_log: Path, **audit: Any) -> Starlette:
    """The tracker: the guard around its task routes, the admin router mounted beside it."""
    tasks = Starlette(
        routes=[
            Route("/tasks", _tasks),
            Route("/tasks/{task_id}", _task),
            Route("/legacy/tasks", _tasks),
            Route("/internal/metrics", _metrics),
        ]
    )
    policy = Policy(
        routes=RoutesPolicy(unknown=Decision.ALLOW),
        audit=AuditPolicy(sink=str(audit_log), **audit),
    )
    guarded = Guard(tasks, policy=policy, api=load(contract_path))
    admin = Starlette(routes=[Route("/members/{name}", _member)])
    return Starlette(routes=[Mount("/admin", app=admin), Mount("/", app=guarded)])
