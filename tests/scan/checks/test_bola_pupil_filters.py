"""A listing filter that names a pupil by an id of a people's path (``?pupil_id=`` beside
``/groups/{id}/pupils``), next to another optional filter each caller's own ids fill.

A tutoring school in Flask: tutors filter the lesson reports by pupil, and the flawed
app takes ``pupil_id`` from the query for pupils too (``request.args.get("pupil_id",
me["id"])``), so a pupil reads another's reports and marks. Every report a pupil lists
holds its own id under ``pupil_id``, but ``pupil`` is a path's noun (a group's roster), so
the scan took it for a coincidence and never tried the filter; and the baseline filled
``course_id`` with the attacker's own course, where the owner has no report, so the
attack came back empty (the PHP trial's ``GET /submissions?student_id=``, F5).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, abort, jsonify, request
from ownership_support import scan_app

from apiward.core.findings import Severity
from apiward.scan import Identity, Results
from apiward.scan.checks.bola import Bola
from serving import serving

PEOPLE = {
    "tok-pia": {"id": 21, "username": "pia", "role": "pupil", "group_id": 1},
    "tok-ole": {"id": 22, "username": "ole", "role": "pupil", "group_id": 1},
    "tok-tara": {"id": 3, "username": "tara", "role": "tutor", "group_id": 1},
}
COURSES = {
    1: {"id": 1, "title": "Algebra", "pupils": [21]},
    2: {"id": 2, "title": "Chemistry", "pupils": [22]},
}
REPORTS = [
    {"id": 101, "pupil_id": 21, "course_id": 1, "mark": "B+", "note": "Revise factoring"},
    {"id": 102, "pupil_id": 21, "course_id": 1, "mark": "A-", "note": "Strong on graphs"},
    {"id": 103, "pupil_id": 22, "course_id": 2, "mark": "C", "note": "Missed the titration lab"},
]


def _ok(description: str, parameters: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "parameters": parameters or [],
        "responses": {"200": {"description": description}, "401": {"description": "no token"}},
    }


def _query(name: str, description: str = "") -> dict[str, Any]:
    return {"in": "query", "name": name, "type": "integer", "description": description}


_ID = {"in": "path", "name": "id", "required": True, "type": "integer"}
CONTRACT: dict[str, Any] = {
    "swagger": "2.0",
    "info": {"title": "tutoring", "version": "1"},
    "securityDefinitions": {"token": {"type": "apiKey", "in": "header", "name": "X-Auth-Token"}},
    "security": [{"token": []}],
    "paths": {
        "/me": {"get": _ok("the caller")},
        "/enrollments": {"get": _ok("Pupils get their own enrollments; tutors every one")},
        "/courses/{course_id}": {"get": _ok("a course", [{**_ID, "name": "course_id"}])},
        "/groups/{id}/pupils": {
            "get": _ok("a group's roster", [_ID]),
        },
        "/reports": {
            "get": _ok(
                "Pupils get their own reports; tutors every report of their group",
                [_query("pupil_id", "Tutors: only this pupil's reports"), _query("course_id")],
            )
        },
    },
}


def tutoring(*, pupils_may_filter: bool) -> Flask:
    """The app; ``pupils_may_filter``: a pupil's ``?pupil_id=`` is honoured (the flaw)."""
    app = Flask("tutoring")

    def caller() -> dict[str, Any]:
        me = PEOPLE.get(request.headers.get("X-Auth-Token", ""))
        if me is None:
            abort(401)
        return me

    @app.get("/openapi.json")
    def contract() -> Any:
        return jsonify(CONTRACT)

    @app.get("/me")
    def me() -> Any:
        return jsonify(caller())

    @app.get("/enrollments")
    def enrollments() -> Any:
        me = caller()
        return jsonify(
            [
                {"id": 10 * course["id"] + n, "pupil_id": pupil, "course_id": course["id"]}
                for course in COURSES.values()
                for n, pupil in enumerate(course["pupils"])
                if me["role"] == "tutor" or pupil == me["id"]
            ]
        )

    @app.get("/courses/<int:course_id>")
    def course(course_id: int) -> Any:
        me = caller()
        found = COURSES.get(course_id)
        if found is None or (me["role"] == "pupil" and me["id"] not in found["pupils"]):
            abort(404)
        return jsonify(found)

    @app.get("/groups/<int:group>/pupils")
    def roster(group: int) -> Any:
        if caller()["group_id"] != group:
            abort(404)
        return jsonify([p for p in PEOPLE.values() if p["role"] == "pupil"])

    @app.get("/reports")
    def reports() -> Any:
        me = caller()
        rows = REPORTS
        pupil = request.args.get("pupil_id", type=int)
        if me["role"] == "pupil":
            pupil = pupil if pupils_may_filter and pupil is not None else me["id"]
        if pupil is not None:
            rows = [r for r in rows if r["pupil_id"] == pupil]
        course = request.args.get("course_id", type=int)
        if course is not None:
            rows = [r for r in rows if r["course_id"] == course]
        return jsonify(rows)

    return app


IDENTITIES = (
    Identity(name="pia", role="pupil", headers={"X-Auth-Token": "tok-pia"}),
    Identity(name="ole", role="pupil", headers={"X-Auth-Token": "tok-ole"}),
    Identity(name="tara", role="tutor", rank=5, headers={"X-Auth-Token": "tok-tara"}),
)


@pytest.fixture(scope="module", params=[True, False], ids=["flawed", "fixed"])
def scanned(request: pytest.FixtureRequest) -> Iterator[tuple[bool, Results]]:
    """A bola scan of the tutoring app, the flawed twin or the fixed one."""
    with serving(tutoring(pupils_may_filter=request.param), wsgi=True) as url:
        yield request.param, scan_app(url, Bola(), IDENTITIES)


def test_a_pupil_reading_anothers_reports_by_pupil_id_is_found(
    scanned: tuple[bool, Results],
) -> None:
    """The flawed twin: a pupil's ``?pupil_id=`` with a peer's id gets the peer's reports (high);
    the fixed twin gives each pupil its own reports back: nothing."""
    flawed, results = scanned
    found = [f for f in results.findings if f.severity >= Severity.MEDIUM]
    if not flawed:
        assert found == [], [f.title for f in found]
        return
    assert [(f.operation, f.severity) for f in found] == [("GET /reports", Severity.HIGH)]
    assert found[0].title.endswith("object through query pupil_id")
    attack = found[0].evidence[-1]
    assert attack.request is not None
    assert attack.response is not None
    assert "pupil_id=" in attack.request.url
    assert "course_id" not in attack.request.url  # the filter alone, not narrowed by another
    assert attack.response.status == 200
