"""bfla: a lower identity adds items to a catalogue only a higher one fills, found by effect.

A course API in Flask with plain JSON: teachers publish courses (``POST /courses``,
``GET``/``DELETE /courses/{code}``; a course has a code, a title and credits, and no
owner), students enrol themselves (``POST /enrolments``; an enrolment names its
student), and teachers post announcements that nobody can delete. The contract has no
PATCH, no 403, no scopes and no admin-like names: nothing says who may publish a course.
The vulnerable app lets any logged-in user publish; the secure twin only teachers. With
nothing in the contract to say so, a student's course is only a low, tentative finding:
in many a shared catalogue every role adds items. The same app whose contract says
"teachers only" makes it high.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest
from flask import Flask, abort, jsonify, request

from apiward.core.findings import Confidence, Severity
from apiward.core.registry import Registry
from apiward.scan import Identity, Results, ScanConfig, scan
from apiward.scan.check import AnyCheck
from apiward.scan.checks.bfla import Bfla
from apiward.spec import load
from serving import serving

TOKENS = {"tk-tess": "tess", "tk-sam": "sam"}
TEACHERS = {"tess"}
SEEDED = {"MATH101": {"code": "MATH101", "title": "Calculus", "credits": 6}}


def course_app(*, vulnerable: bool, stated: bool = False) -> Flask:
    """The course API; ``vulnerable`` lets students publish courses, ``stated`` says who may."""
    app = Flask(__name__)
    courses = {k: dict(v) for k, v in SEEDED.items()}
    enrolments: dict[int, dict[str, Any]] = {}
    notes: dict[int, dict[str, Any]] = {}
    serial = itertools.count(1)

    def user() -> str:
        who = TOKENS.get(request.headers.get("Authorization", "").removeprefix("Bearer "))
        if who is None:
            abort(401)
        return who

    @app.get("/openapi.json")
    def contract() -> Any:
        return jsonify(_contract(stated=stated))

    @app.post("/courses")
    def publish() -> Any:
        if user() not in TEACHERS and not vulnerable:
            abort(403)
        body = request.get_json(silent=True) or {}
        code = body.get("code")
        if not isinstance(code, str) or not code or code in courses:
            return jsonify(error="a new code is required"), 400
        courses[code] = {
            "code": code,
            "title": str(body.get("title", "")),
            "credits": body.get("credits", 0),
        }
        return jsonify(courses[code]), 201

    @app.get("/courses/<code>")
    def course(code: str) -> Any:
        user()
        return jsonify(courses[code]) if code in courses else (jsonify(error="no course"), 404)

    @app.delete("/courses/<code>")
    def withdraw(code: str) -> Any:
        if user() not in TEACHERS and not vulnerable:
            abort(403)
        courses.pop(code, None)
        return "", 204

    @app.post("/enrolments")
    def enrol() -> Any:
        body = request.get_json(silent=True) or {}
        number = next(serial)
        enrolments[number] = {"id": number, "course": body.get("course"), "student": user()}
        return jsonify(enrolments[number]), 201

    @app.get("/enrolments/<int:number>")
    def enrolment(number: int) -> Any:
        user()
        return jsonify(enrolments[number]) if number in enrolments else abort(404)

    @app.delete("/enrolments/<int:number>")
    def unenrol(number: int) -> Any:
        if enrolments.get(number, {}).get("student") not in {user(), None}:
            abort(403)
        enrolments.pop(number, None)
        return "", 204

    @app.post("/announcements")
    def announce() -> Any:
        if user() not in TEACHERS and not vulnerable:
            abort(403)
        number = next(serial)
        notes[number] = {
            "id": number,
            "text": str((request.get_json(silent=True) or {}).get("text")),
        }
        return jsonify(notes[number]), 201

    @app.get("/announcements/<int:number>")
    def announcement(number: int) -> Any:
        user()
        return jsonify(notes[number]) if number in notes else abort(404)

    return app


def _contract(*, stated: bool) -> dict[str, Any]:
    def obj(**props: str) -> dict[str, Any]:
        return {"type": "object", "properties": {k: {"type": v} for k, v in props.items()}}

    course = {**obj(code="string", title="string", credits="integer"), "required": ["code"]}
    enrolment = obj(id="integer", course="string", student="string")
    note = obj(id="integer", text="string")

    def json(schema: dict[str, Any], status: str = "200") -> dict[str, Any]:
        return {status: {"description": "ok", "content": {"application/json": {"schema": schema}}}}

    def collection(schema: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        content = {"application/json": {"schema": body}}
        return {"post": {"requestBody": {"content": content}, "responses": json(schema, "201")}}

    def item(param: str, kind: str, schema: dict[str, Any], delete: bool) -> dict[str, Any]:
        found: dict[str, Any] = {
            "parameters": [
                {"name": param, "in": "path", "required": True, "schema": {"type": kind}}
            ],
            "get": {"responses": json(schema)},
        }
        if delete:
            found["delete"] = {"responses": {"204": {"description": "gone"}}}
        return found

    courses = collection(course, course)
    if stated:
        courses["post"]["summary"] = "Publish a course (teachers only)"
    return {
        "openapi": "3.0.3",
        "info": {"title": "courses", "version": "1"},
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": {
            "/courses": courses,
            "/courses/{code}": item("code", "string", course, delete=True),
            "/enrolments": collection(enrolment, obj(course="string")),
            "/enrolments/{number}": item("number", "integer", enrolment, delete=True),
            "/announcements": collection(note, obj(text="string")),
            "/announcements/{number}": item("number", "integer", note, delete=False),
        },
    }


IDENTITIES = (
    Identity(name="a-student", role="student", rank=1, headers={"Authorization": "Bearer tk-sam"}),
    Identity(name="a-teacher", role="teacher", rank=2, headers={"Authorization": "Bearer tk-tess"}),
)


def _scan(*, vulnerable: bool, stated: bool = False) -> tuple[Results, dict[str, Any]]:
    app = course_app(vulnerable=vulnerable, stated=stated)
    with serving(app, wsgi=True) as url:
        api = load(f"{url}/openapi.json", allow_private=True)
        registry = Registry[AnyCheck]("check", [("bfla", Bfla())])
        results = asyncio.run(scan(api, ScanConfig(target=url, identities=IDENTITIES), registry))
        with app.test_client() as web:
            left = web.get("/courses/MATH101", headers={"Authorization": "Bearer tk-tess"})
    return results, {"seeded": left.get_json()}


@pytest.fixture(scope="module")
def vulnerable() -> tuple[Results, dict[str, Any]]:
    """The vulnerable course API scanned with bfla alone."""
    return _scan(vulnerable=True)


def test_a_student_publishing_a_course_is_found_by_the_teachers_read(
    vulnerable: tuple[Results, dict[str, Any]],
) -> None:
    """sam's course shows up in tess's read; nothing says who may publish: low, tentative."""
    found = [f for f in vulnerable[0].findings if f.operation == "POST /courses"]
    assert len(found) == 1, [f.title for f in vulnerable[0].findings]
    assert found[0].severity is Severity.LOW
    assert found[0].confidence is Confidence.TENTATIVE
    assert "a-student" in found[0].title
    assert "Nothing says that only higher roles add items" in found[0].detail


def test_a_student_deleting_a_teachers_course_it_may_also_publish_is_tentative(
    vulnerable: tuple[Results, dict[str, Any]],
) -> None:
    """The student publishes courses too: a collaborator there, so a note that says why.

    Nothing tells this catalogue from a team's shared records, where members remove what
    a colleague made; a student refused publishing yet deleting is high (the menu tests).
    """
    found = [f for f in vulnerable[0].findings if f.operation == "DELETE /courses/{code}"]
    assert [(f.severity, f.confidence) for f in found] == [(Severity.LOW, Confidence.TENTATIVE)]
    assert "a-student may add items there too" in found[0].detail


def test_a_contract_that_says_teachers_only_makes_the_creation_high() -> None:
    """ "(teachers only)" names the higher identity's role: a student's course is high, confirmed."""
    results, _ = _scan(vulnerable=True, stated=True)
    found = [f for f in results.findings if f.operation == "POST /courses"]
    assert [(f.severity, f.confidence) for f in found] == [(Severity.HIGH, Confidence.CONFIRMED)]
    assert "teachers only" in found[0].detail


def test_records_their_makers_own_are_not_a_catalogue(
    vulnerable: tuple[Results, dict[str, Any]],
) -> None:
    """Enrolments name their student: a student enrolling is no finding."""
    assert not [f for f in vulnerable[0].findings if f.operation == "POST /enrolments"]


def test_without_a_delete_the_creation_is_not_tried_and_the_skip_says_so(
    vulnerable: tuple[Results, dict[str, Any]],
) -> None:
    """Announcements cannot be deleted: no student announcement is made, and the skip says why."""
    results = vulnerable[0]
    assert not [f for f in results.findings if f.operation == "POST /announcements"]
    skips = [s for s in results.skipped if s.operation == "POST /announcements"]
    assert any("no DELETE /announcements/{number}" in s.detail for s in skips), skips


def test_every_course_the_scan_made_is_gone_and_the_seeded_one_is_intact(
    vulnerable: tuple[Results, dict[str, Any]],
) -> None:
    """The courses the probes made are deleted; MATH101 is as it was."""
    results, seen = vulnerable
    made = [c for c in results.target_state if "POST /courses" in c.object or c.by]
    assert made
    assert all(c.state.value == "deleted" for c in made if "POST /courses" in c.object)
    assert seen["seeded"] == SEEDED["MATH101"]


def test_nothing_on_the_secure_twin() -> None:
    """Students refused on publishing: no finding of medium or above."""
    results, _ = _scan(vulnerable=False)
    assert [f.title for f in results.findings if f.severity >= Severity.MEDIUM] == []
