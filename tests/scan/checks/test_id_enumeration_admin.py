"""id_enumeration: the one identity of the highest role reads everything by design; a user may not.

A course API written the Falcon way (JSON errors ``{"title": ...}``), keyed by
``X-API-Key``: ``GET /lessons`` lists the caller's own lessons, ``GET /lessons/{id}``
serves any lesson to an admin, and ``GET /admin/users`` only to an admin. The scan has
the only admin and one student, neither with a peer of its role. The admin owns lesson 1
and reads lesson 2 (the student's): that is the admin's role, not enumeration. The
careless build also serves lesson 3 (another student's, no identity's) to the student:
that is enumeration, reported; the careful build answers 404 to the student.
"""

from __future__ import annotations

from typing import Any

import falcon
import pytest
from ownership_support import key, scan_app

from apiward.core.findings import Severity
from apiward.scan import Results
from apiward.scan.checks.id_enumeration import IdEnumeration
from serving import serving

ADMIN, STUDENT = key("root", "admin"), key("mia", "student")
LESSONS = {
    1: {"id": 1, "title": "Fractions, week 1", "owner": "root"},
    2: {"id": 2, "title": "My notes on fractions", "owner": "mia"},
    3: {"id": 3, "title": "Essay draft: the water cycle", "owner": "noah"},
    4: {"id": 4, "title": "Reading log", "owner": "mia"},
}
LESSON = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "title": {"type": "string"},
        "owner": {"type": "string"},
    },
}


def _answers(schema: dict[str, Any]) -> dict[str, Any]:
    content = {"application/json": {"schema": schema}}
    return {"200": {"description": "ok", "content": content}, "404": {"description": "no such"}}


CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "courses", "version": "1"},
    "security": [{"key": []}],
    "components": {
        "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}
    },
    "paths": {
        "/lessons": {"get": {"responses": _answers({"type": "array", "items": LESSON})}},
        "/lessons/{id}": {
            "parameters": [
                {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
            ],
            "get": {"responses": _answers(LESSON)},
        },
        "/admin/users": {
            "get": {
                "responses": {
                    **_answers({"type": "array", "items": {"type": "string"}}),
                    "403": {"description": "admins only"},
                }
            }
        },
    },
}
USERS = {"key-root": "root", "key-mia": "mia"}


class _Courses:
    def __init__(self, *, careless: bool) -> None:
        self.careless = careless

    def caller(self, req: falcon.Request) -> str:
        who = USERS.get(req.get_header("X-API-Key") or "")
        if who is None:
            raise falcon.HTTPUnauthorized(title="missing or unknown API key")
        return who

    def on_get_contract(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = CONTRACT

    def on_get_lessons(self, req: falcon.Request, resp: falcon.Response) -> None:
        who = self.caller(req)
        resp.media = [lesson for lesson in LESSONS.values() if lesson["owner"] == who]

    def on_get_lesson(self, req: falcon.Request, resp: falcon.Response, id: int) -> None:
        who = self.caller(req)
        lesson = LESSONS.get(id)
        mine = lesson is not None and (lesson["owner"] == who or who == "root")
        if lesson is None or not (mine or self.careless):
            raise falcon.HTTPNotFound(title="no such lesson")
        resp.media = lesson

    def on_get_users(self, req: falcon.Request, resp: falcon.Response) -> None:
        if self.caller(req) != "root":
            raise falcon.HTTPForbidden(title="admins only")
        resp.media = sorted({str(lesson["owner"]) for lesson in LESSONS.values()})


def _courses(*, careless: bool) -> falcon.App:
    app = falcon.App()
    courses = _Courses(careless=careless)
    app.add_route("/openapi.json", courses, suffix="contract")
    app.add_route("/lessons", courses, suffix="lessons")
    app.add_route("/lessons/{id:int}", courses, suffix="lesson")
    app.add_route("/admin/users", courses, suffix="users")
    return app


def _scan(*, careless: bool) -> Results:
    with serving(_courses(careless=careless), wsgi=True) as url:
        return scan_app(url, IdEnumeration(), (ADMIN, STUDENT))


@pytest.mark.parametrize("careless", [False, True], ids=["careful", "careless"])
def test_only_a_user_counting_to_others_lessons_is_enumeration(careless: bool) -> None:
    """The peerless admin reading lesson 2 is its role; the student reading lesson 3 is not."""
    results = _scan(careless=careless)
    assert results.errors == []
    found = [
        f
        for f in results.findings
        if f.check == "id_enumeration" and f.severity in {Severity.MEDIUM, Severity.HIGH}
    ]
    if not careless:
        assert found == []
        return
    [finding] = found
    assert finding.operation == "GET /lessons/{id}"
    assert "mia reads" in finding.title
