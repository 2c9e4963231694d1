"""A field-service API written the plain Flask way: technicians' jobs with nested tasks.

Two technicians each own jobs (``/v1/jobs/<job_id>``) and the tasks under them
(``/v1/jobs/<job_id>/tasks/<task_id>``); a dispatcher lists and reads every job and
every task (that is the dispatcher's work, it does not make them the dispatcher's).
Keys are fixed (``Authorization: Token ...``), lists come as ``{"data": [...], "next"}``
and errors as ``{"error": {"code", "message"}}``. The contract is written by hand.

``Fieldwork(flawed=True)`` checks only that a task belongs to the job in the path on
``PUT``/``DELETE``, not that the job is the caller's (a BOLA on the tasks);
``flawed=False`` is the fixed twin.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue

from serving import serving

KEYS = {"Token tk-tina-83b1": "tina", "Token tk-omar-5d2e": "omar", "Token tk-dana-a7c9": "dana"}
DISPATCHERS = {"dana"}
JOBS: dict[int, dict[str, Any]] = {
    101: {"technician": "tina", "site": "Harbour Rd 4", "status": "open"},
    102: {"technician": "tina", "site": "Mill Lane 12", "status": "open"},
    103: {"technician": "omar", "site": "Quay St 7", "status": "open"},
}
TASKS: dict[int, dict[str, Any]] = {
    1: {"job_id": 101, "title": "replace valve", "hours": 2},
    2: {"job_id": 102, "title": "inspect boiler", "hours": 1},
    3: {"job_id": 103, "title": "bleed radiators", "hours": 3},
    4: {"job_id": 103, "title": "check pressure", "hours": 1},
}
IDENTITIES = """\
identities:
  - name: tina
    role: technician
    headers: {Authorization: "Token tk-tina-83b1"}
  - name: omar
    role: technician
    headers: {Authorization: "Token tk-omar-5d2e"}
  - name: dana
    role: dispatcher
    headers: {Authorization: "Token tk-dana-a7c9"}
"""


def _contract() -> dict[str, Any]:
    job = {
        "type": "object",
        "properties": {
            "job_id": {"type": "integer"},
            "technician": {"type": "string"},
            "site": {"type": "string"},
            "status": {"type": "string"},
        },
    }
    task = {
        "type": "object",
        "properties": {
            "task_id": {"type": "integer"},
            "job_id": {"type": "integer"},
            "title": {"type": "string"},
            "hours": {"type": "integer"},
        },
    }
    new_job = {
        "type": "object",
        "required": ["site"],
        "properties": {"site": {"type": "string", "maxLength": 80}},
    }
    new_task = {
        "type": "object",
        "required": ["title", "hours"],
        "properties": {
            "title": {"type": "string", "maxLength": 80},
            "hours": {"type": "integer", "minimum": 0, "maximum": 24},
        },
    }
    job_id = {"name": "job_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    task_id = {"name": "task_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    missing = {"404": {"description": "no such job or task"}}

    def listing(schema: dict[str, Any]) -> dict[str, Any]:
        page = {"type": "object", "properties": {"data": {"type": "array", "items": schema}}}
        return {"200": {"description": "a page", "content": {"application/json": {"schema": page}}}}

    def one(schema: dict[str, Any], status: str = "200") -> dict[str, Any]:
        return {status: {"description": "ok", "content": {"application/json": {"schema": schema}}}}

    def body(schema: dict[str, Any]) -> dict[str, Any]:
        return {"required": True, "content": {"application/json": {"schema": schema}}}

    return {
        "openapi": "3.0.3",
        "info": {"title": "Fieldwork", "version": "1.4"},
        "components": {
            "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "Authorization"}}
        },
        "security": [{"key": []}],
        "paths": {
            "/v1/jobs": {
                "get": {"operationId": "listJobs", "responses": listing(job)},
                "post": {
                    "operationId": "openJob",
                    "requestBody": body(new_job),
                    "responses": one(job, "201"),
                },
            },
            "/v1/jobs/{job_id}": {
                "parameters": [job_id],
                "get": {"operationId": "getJob", "responses": {**one(job), **missing}},
                "delete": {
                    "operationId": "dropJob",
                    "responses": {"204": {"description": "dropped"}, **missing},
                },
            },
            "/v1/jobs/{job_id}/tasks": {
                "parameters": [job_id],
                "get": {"operationId": "listTasks", "responses": {**listing(task), **missing}},
                "post": {
                    "operationId": "addTask",
                    "requestBody": body(new_task),
                    "responses": {**one(task, "201"), **missing},
                },
            },
            "/v1/jobs/{job_id}/tasks/{task_id}": {
                "parameters": [job_id, task_id],
                "get": {"operationId": "getTask", "responses": {**one(task), **missing}},
                "put": {
                    "operationId": "editTask",
                    "requestBody": body(new_task),
                    "responses": {**one(task), **missing},
                },
                "delete": {
                    "operationId": "dropTask",
                    "responses": {"204": {"description": "dropped"}, **missing},
                },
            },
        },
    }


class Fieldwork:
    """The service's state and its Flask app."""

    def __init__(self, *, flawed: bool) -> None:
        self.flawed = flawed
        self.jobs = copy.deepcopy(JOBS)
        self.tasks = copy.deepcopy(TASKS)
        self.made = 0
        """Jobs and tasks the API created (so a test knows the scan wrote something)."""
        self._ids = itertools.count(1000)
        self.app = self._build()

    def _build(self) -> Flask:
        app = Flask("fieldwork")

        def fail(status: int, code: str, message: str) -> ResponseReturnValue:
            return jsonify(error={"code": code, "message": message}), status

        def caller() -> str | None:
            return KEYS.get(request.headers.get("Authorization", ""))

        def sees(who: str, job: int) -> bool:
            return job in self.jobs and (who in DISPATCHERS or self.jobs[job]["technician"] == who)

        def job_out(job: int) -> dict[str, Any]:
            return {"job_id": job, **self.jobs[job]}

        def task_out(task: int) -> dict[str, Any]:
            return {"task_id": task, **self.tasks[task]}

        def valid_task(data: Any) -> dict[str, Any] | None:
            if not isinstance(data, dict):
                return None
            title, hours = data.get("title"), data.get("hours")
            if not isinstance(title, str) or not 0 < len(title) <= 80:
                return None
            if isinstance(hours, bool) or not isinstance(hours, int) or not 0 <= hours <= 24:
                return None
            return {"title": title, "hours": hours}

        @app.before_request
        def authenticate() -> ResponseReturnValue | None:
            if request.path == "/openapi.json":
                return None
            if caller() is None:
                return fail(401, "unauthenticated", "missing or unknown API token")
            return None

        @app.get("/openapi.json")
        def contract() -> ResponseReturnValue:
            return jsonify(_contract())

        @app.get("/v1/jobs")
        def list_jobs() -> ResponseReturnValue:
            who = caller() or ""
            return jsonify(data=[job_out(j) for j in self.jobs if sees(who, j)], next=None)

        @app.post("/v1/jobs")
        def open_job() -> ResponseReturnValue:
            data = request.get_json(silent=True)
            site = data.get("site") if isinstance(data, dict) else None
            if not isinstance(site, str) or not 0 < len(site) <= 80:
                return fail(400, "invalid", "site is required")
            job = next(self._ids)
            self.jobs[job] = {"technician": caller(), "site": site, "status": "open"}
            self.made += 1
            return jsonify(job_out(job)), 201

        @app.get("/v1/jobs/<int:job_id>")
        def get_job(job_id: int) -> ResponseReturnValue:
            if not sees(caller() or "", job_id):
                return fail(404, "not_found", "no such job")
            return jsonify(job_out(job_id))

        @app.delete("/v1/jobs/<int:job_id>")
        def drop_job(job_id: int) -> ResponseReturnValue:
            if job_id not in self.jobs or self.jobs[job_id]["technician"] != caller():
                return fail(404, "not_found", "no such job")
            del self.jobs[job_id]
            self.tasks = {t: v for t, v in self.tasks.items() if v["job_id"] != job_id}
            return "", 204

        @app.get("/v1/jobs/<int:job_id>/tasks")
        def list_tasks(job_id: int) -> ResponseReturnValue:
            if not sees(caller() or "", job_id):
                return fail(404, "not_found", "no such job")
            found = [task_out(t) for t, v in self.tasks.items() if v["job_id"] == job_id]
            return jsonify(data=found, next=None)

        @app.post("/v1/jobs/<int:job_id>/tasks")
        def add_task(job_id: int) -> ResponseReturnValue:
            if job_id not in self.jobs or self.jobs[job_id]["technician"] != caller():
                return fail(404, "not_found", "no such job")
            fields = valid_task(request.get_json(silent=True))
            if fields is None:
                return fail(400, "invalid", "title and hours (0-24) are required")
            task = next(self._ids)
            self.tasks[task] = {"job_id": job_id, **fields}
            self.made += 1
            return jsonify(task_out(task)), 201

        def task_of(job_id: int, task_id: int, *, writing: bool) -> bool:
            """The task exists under the job and the caller may touch it."""
            if task_id not in self.tasks or self.tasks[task_id]["job_id"] != job_id:
                return False
            if writing and self.flawed:
                return True  # the flaw: whose job it is goes unchecked on writes
            return sees(caller() or "", job_id)

        @app.get("/v1/jobs/<int:job_id>/tasks/<int:task_id>")
        def get_task(job_id: int, task_id: int) -> ResponseReturnValue:
            if not task_of(job_id, task_id, writing=False):
                return fail(404, "not_found", "no such task")
            return jsonify(task_out(task_id))

        @app.put("/v1/jobs/<int:job_id>/tasks/<int:task_id>")
        def edit_task(job_id: int, task_id: int) -> ResponseReturnValue:
            if not task_of(job_id, task_id, writing=True):
                return fail(404, "not_found", "no such task")
            fields = valid_task(request.get_json(silent=True))
            if fields is None:
                return fail(400, "invalid", "title and hours (0-24) are required")
            self.tasks[task_id].update(fields)
            return jsonify(task_out(task_id))

        @app.delete("/v1/jobs/<int:job_id>/tasks/<int:task_id>")
        def drop_task(job_id: int, task_id: int) -> ResponseReturnValue:
            if not task_of(job_id, task_id, writing=True):
                return fail(404, "not_found", "no such task")
            del self.tasks[task_id]
            return "", 204

        return app


@contextmanager
def running(service: Fieldwork) -> Iterator[str]:
    """Serve ``service`` on 127.0.0.1 until the block ends; yields its base URL."""
    with serving(service.app, wsgi=True) as url:
        yield url
