"""Legacy scripts beside routes: ``/api/submissions.php?id=7`` is a submission.

The PHP trial hands work in at ``POST /api/assignments/{id}/submissions`` and reads, edits
and withdraws it through a script, ``GET|PATCH|DELETE /api/submissions.php?id=``. The scan
took ``submissions.php`` for a collection of its own: no submission id fitted the script's
``id`` (its BOLA, "no id owned by one peer fits"), and nothing could delete a submission,
so none was made (its SSRF was never probed). A segment's script or format extension is
not part of its noun (``resources.bare``), and a creation is withdrawn by query id at such
a script (``_deleters._by_script``).
"""

import itertools
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - {name: alice, role: student, headers: {X-API-Key: key-alice}}
  - {name: bob, role: student, headers: {X-API-Key: key-bob}}
"""
KEYS = {"key-alice": "alice", "key-bob": "bob"}
SUBMISSION = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "assignment_id": {"type": "integer"},
        "student": {"type": "string"},
        "comment": {"type": "string"},
        "grade": {"type": "string"},
    },
}
ID = {"name": "id", "in": "query", "required": True, "schema": {"type": "integer"}}
ASSIGNMENT = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
JSON = {"application/json": {"schema": SUBMISSION}}
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "school", "version": "1"},
    "security": [{"key": []}],
    "components": {"securitySchemes": {"key": {"type": "apiKey", "in": "header",
                                               "name": "X-API-Key"}}},
    "paths": {
        "/api/assignments": {"get": {"summary": "Assignments of my courses",
                                     "responses": {"200": {"description": "OK"}}}},
        "/api/assignments/{id}/submissions": {
            "get": {"summary": "My submissions for an assignment", "parameters": [ASSIGNMENT],
                    "responses": {"200": {"description": "OK"}}},
            "post": {"summary": "Hand in work (students)", "parameters": [ASSIGNMENT],
                     "requestBody": {"content": {"application/json": {"schema": {
                         "type": "object", "required": ["comment"],
                         "properties": {"comment": {"type": "string"}}}}}},
                     "responses": {"201": {"description": "Handed in", "content": JSON}}},
        },
        "/api/submissions.php": {
            "get": {"summary": "One submission", "parameters": [ID],
                    "responses": {"200": {"description": "OK", "content": JSON}}},
            "patch": {"summary": "Edit my submission's comment (before grading)",
                      "parameters": [ID],
                      "requestBody": {"content": {"application/json": {"schema": {
                          "type": "object", "properties": {"comment": {"type": "string"}}}}}},
                      "responses": {"200": {"description": "OK", "content": JSON}}},
            "delete": {"summary": "Withdraw my submission (before grading)", "parameters": [ID],
                       "responses": {"200": {"description": "Withdrawn"}}},
        },
    },
}  # fmt: skip
SEEDED = {
    1: {"id": 1, "assignment_id": 3, "student": "alice", "comment": "Essay, final", "grade": ""},
    2: {"id": 2, "assignment_id": 3, "student": "bob", "comment": "My essay", "grade": ""},
}


class School:
    """Submissions to assignment 3, the routes and the legacy script."""

    def __init__(self) -> None:
        self.submissions = {k: dict(v) for k, v in SEEDED.items()}
        self.ids = itertools.count(3)

    def app(self) -> Starlette:
        """The API."""
        return Starlette(
            routes=[
                Route("/openapi.json", lambda r: JSONResponse(CONTRACT)),
                Route("/api/assignments", self.assignments),
                Route("/api/assignments/{id:int}/submissions", self.hand_in,
                      methods=["GET", "POST"]),
                Route("/api/submissions.php", self.script, methods=["GET", "PATCH", "DELETE"]),
            ]
        )  # fmt: skip

    @staticmethod
    def _error(message: str) -> Response:
        return JSONResponse({"status": "error", "error": message})  # PHP's 200 for failures

    async def assignments(self, request: Request) -> Response:
        if request.headers.get("x-api-key") not in KEYS:
            return self._error("Missing API key")
        return JSONResponse({"status": "ok", "data": [{"id": 3, "title": "Essay"}]})

    async def hand_in(self, request: Request) -> Response:
        who = KEYS.get(request.headers.get("x-api-key", ""))
        if who is None:
            return self._error("Missing API key")
        if request.path_params["id"] != 3:
            return HTMLResponse("<h1>Not Found</h1>", 404)
        if request.method == "GET":
            mine = [s for s in self.submissions.values() if s["student"] == who]
            return JSONResponse({"status": "ok", "data": mine})
        body = await request.json()
        if not isinstance(body, dict) or not isinstance(body.get("comment"), str):
            return self._error("comment is required")
        key = next(self.ids)
        made = {"id": key, "assignment_id": 3, "student": who, "comment": body["comment"],
                "grade": ""}  # fmt: skip
        self.submissions[key] = made
        return JSONResponse({"status": "ok", "data": made}, 201)

    async def script(self, request: Request) -> Response:
        who = KEYS.get(request.headers.get("x-api-key", ""))
        if who is None:
            return self._error("Missing API key")
        try:
            found: dict[str, Any] | None = self.submissions.get(int(request.query_params["id"]))
        except (KeyError, ValueError):
            return self._error("id is required")
        if found is None:
            return HTMLResponse("<h1>404 Not Found</h1>", 404)
        if request.method == "GET":  # the flaw: anyone's submission, by its number
            return JSONResponse({"status": "ok", "data": found})
        if found["student"] != who:
            return HTMLResponse("<h1>403 Forbidden</h1>", 403)
        if request.method == "DELETE":
            del self.submissions[found["id"]]
            return JSONResponse({"status": "ok", "data": {"deleted": found["id"]}})
        body = await request.json()
        if isinstance(body, dict) and isinstance(body.get("comment"), str):
            found["comment"] = body["comment"]
        return JSONResponse({"status": "ok", "data": found})


def test_submissions_read_through_the_script_are_the_routes_submissions(tmp_path: Path) -> None:
    """The script's read of a peer's submission is a BOLA; what the scan hands in it withdraws."""
    school = School()
    with serving(school.app()) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "bola")
    assert done.returncode < 2, done.stdout + done.stderr
    assert school.submissions == SEEDED, report["tables"]["target_state"]
    bola = [f for f in report["findings"] if f["check"] == "bola"]
    assert [f["operation"] for f in bola] == ["GET /api/submissions.php"], bola
    made = [r for r in report["tables"]["target_state"] if "submissions" in r["object"]]
    assert made, report["tables"]["target_state"]
    assert all(r["state"] in {"deleted", "restored"} for r in made), made
