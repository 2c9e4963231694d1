"""A read by a required query id shows an object, not the caller's own record.

The PHP trial's ``GET /api/submissions.php?id=1`` answers anyone's submission, with the
code of its course. The harvest asked it of every identity and took the answer for the
reader's own record, as it does a ``GET /me``, so carol, a student of another school, "held" ``course_code: CS-101``
like alice, and her reading alice's course was graded low and tentative, tenant mates
("carol and alice belong to one tenant (course_code CS-101 in both their own records)").
A GET with a required query parameter names its object (``own_state.asks_id``).
"""

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
  - {name: carol, role: student, headers: {X-API-Key: key-carol}}
"""
USERS = {"key-alice": {"id": 4, "name": "alice", "school_id": 1},
         "key-carol": {"id": 6, "name": "carol", "school_id": 2}}  # fmt: skip
COURSES = {
    "CS-101": {"code": "CS-101", "school_id": 1, "title": "Programming I",
               "syllabus": "Loops, functions, recursion; weekly labs in room 204."},
    "BIO-200": {"code": "BIO-200", "school_id": 2, "title": "Cell biology",
                "syllabus": "Membranes, organelles and the cell cycle; two field trips."},
}  # fmt: skip
SUBMISSIONS = {  # the harvest asks every identity for ``?id=1``, alice's
    1: {"id": 1, "student_id": 4, "course_code": "CS-101", "comment": "Lab 3, final"},
}
CODE = {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "school", "version": "1"},
    "security": [{"key": []}],
    "components": {"securitySchemes": {"key": {"type": "apiKey", "in": "header",
                                               "name": "X-API-Key"}}},
    "paths": {
        "/api/me": {"get": {"summary": "My account", "responses": {"200": {"description": "OK"}}}},
        "/api/courses": {"get": {"summary": "Courses of my school",
                                 "responses": {"200": {"description": "OK"}}}},
        "/api/courses/{code}": {"get": {"summary": "Course details", "parameters": [CODE],
                                        "responses": {"200": {"description": "OK"}}}},
        "/api/submissions": {"get": {"summary": "My submissions",
                                     "responses": {"200": {"description": "OK"}}}},
        "/api/submissions.php": {"get": {
            "summary": "One submission",
            "parameters": [{"name": "id", "in": "query", "required": True,
                            "schema": {"type": "integer"}}],
            "responses": {"200": {"description": "OK"}}}},
    },
}  # fmt: skip


def _caller(request: Request) -> dict[str, Any] | None:
    return USERS.get(request.headers.get("x-api-key", ""))


def _ok(data: Any) -> Response:
    return JSONResponse({"status": "ok", "data": data})


async def me(request: Request) -> Response:
    who = _caller(request)
    return _ok(who) if who else JSONResponse({"status": "error", "error": "no key"}, 401)


async def courses(request: Request) -> Response:
    who = _caller(request)
    if who is None:
        return JSONResponse({"status": "error", "error": "no key"}, 401)
    if "code" in request.path_params:  # the flaw: any school's course, by its code
        found = COURSES.get(request.path_params["code"])
        return _ok(found) if found else HTMLResponse("<h1>404 Not Found</h1>", 404)
    return _ok([c for c in COURSES.values() if c["school_id"] == who["school_id"]])


async def submissions(request: Request) -> Response:
    who = _caller(request)
    if who is None:
        return JSONResponse({"status": "error", "error": "no key"}, 401)
    if request.url.path.endswith(".php"):  # anyone's, by its number
        found = SUBMISSIONS.get(int(request.query_params.get("id", "0") or 0))
        return _ok(found) if found else HTMLResponse("<h1>404 Not Found</h1>", 404)
    return _ok([s for s in SUBMISSIONS.values() if s["student_id"] == who["id"]])


def app() -> Starlette:
    """The API."""
    return Starlette(
        routes=[
            Route("/openapi.json", lambda r: JSONResponse(CONTRACT)),
            Route("/api/me", me),
            Route("/api/courses", courses),
            Route("/api/courses/{code}", courses),
            Route("/api/submissions", submissions),
            Route("/api/submissions.php", submissions),
        ]
    )


def test_a_course_of_another_school_read_is_high(tmp_path: Path) -> None:
    """carol reads alice's school's course: high, not graded down to tenant mates."""
    with serving(app()) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "bola")
    assert done.returncode < 2, done.stdout + done.stderr
    found = [f for f in report["findings"] if f["operation"] == "GET /api/courses/{code}"]
    assert found, report["findings"]
    assert {f["severity"] for f in found} == {"high"}, [f["detail"] for f in found]
