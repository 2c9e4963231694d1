"""A scan never moves the state of an object it did not make: many APIs never take one back.

A homework API written the Starlette way: each student has a submission (UUID ids);
``PATCH /submissions/{id}`` copies the whole body onto it (``status`` and ``grade``
included: a mass-assignment flaw), and once a submission is ``graded`` every PATCH
answers 409 "already graded". A probe that set ``status`` on a student's seeded
submission could never be undone; one setting ``student`` to a peer hands the submission
to that peer, who alone can then give it back. Whether or not the student can make one of
its own (``POST /submissions``), the seeded submissions stay as found.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from apiward.core.registry import Registry
from apiward.scan import Identity, Results, ScanConfig, scan
from apiward.scan.check import AnyCheck
from apiward.scan.checks.mass_assignment import MassAssignment
from apiward.scan.checks.ssrf import Ssrf
from apiward.scan.identities import Login
from apiward.spec import load
from serving import serving

TOKENS = {"tk-sam": "sam", "tk-sara": "sara"}
SUBMISSION = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "student": {"type": "string"},
        "content": {"type": "string"},
        "attachment_url": {"type": "string", "format": "uri", "nullable": True},
        "status": {"type": "string", "enum": ["submitted", "graded"]},
        "grade": {"type": "integer", "nullable": True},
    },
}
EDIT = {
    "type": "object",
    "properties": {
        "content": {"type": "string"},
        "attachment_url": {"type": "string", "format": "uri", "nullable": True},
    },
}
ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _contract(creatable: bool) -> dict[str, Any]:
    one = {"description": "the submission", **_json(SUBMISSION)}
    paths: dict[str, Any] = {
        "/login": {
            "post": {
                "security": [],
                "requestBody": _json({"type": "object"}),
                "responses": {"200": {"description": "a token"}},
            }
        },
        "/submissions/{id}": {
            "parameters": [ID],
            "get": {"responses": {"200": one, "404": {"description": "none"}}},
            "patch": {
                "requestBody": _json(EDIT),
                "responses": {"200": one, "409": {"description": "already graded"}},
            },
        },
        "/me/submissions": {
            "get": {
                "responses": {
                    "200": {"description": "mine", **_json({"type": "array", "items": SUBMISSION})}
                }
            }
        },
    }
    if creatable:
        paths["/submissions"] = {
            "post": {"requestBody": _json(EDIT), "responses": {"201": one}},
        }
        paths["/submissions/{id}"]["delete"] = {"responses": {"204": {"description": "gone"}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "homework", "version": "1"},
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": paths,
    }


class Homework:
    """The app: sam's and sara's seeded submissions, and whatever the scan makes."""

    def __init__(self, *, creatable: bool, fixed_owner: bool = False, kept: bool = False) -> None:
        self.contract = _contract(creatable)
        self.graded_kept = kept
        self.kept = {"id", "student"} if fixed_owner else {"id"}
        self.seeded = {
            str(uuid.UUID(int=n)): {
                "id": str(uuid.UUID(int=n)),
                "student": student,
                "content": f"{student}'s essay",
                "attachment_url": None,
                "status": "submitted",
                "grade": None,
            }
            for n, student in ((1, "sam"), (2, "sara"))
        }
        self.rows = {k: dict(v) for k, v in self.seeded.items()}
        routes = [
            Route("/openapi.json", self.openapi),
            Route("/login", self.login, methods=["POST"]),
            Route("/me/submissions", self.mine),
            Route("/submissions/{id}", self.one, methods=["GET", "PATCH", "DELETE"]),
        ]
        if creatable:
            routes.append(Route("/submissions", self.create, methods=["POST"]))
        self.app = Starlette(routes=routes)

    async def openapi(self, request: Request) -> Response:
        return JSONResponse(self.contract)

    async def login(self, request: Request) -> Response:
        body = await request.json()
        token = f"tk-{body.get('username')}"
        if token not in TOKENS or body.get("password") != "pw":
            return JSONResponse({"detail": "bad credentials"}, status_code=401)
        return JSONResponse({"token": token})

    def _student(self, request: Request) -> str | None:
        return TOKENS.get(request.headers.get("authorization", "").removeprefix("Bearer "))

    async def mine(self, request: Request) -> Response:
        student = self._student(request)
        if student is None:
            return JSONResponse({"detail": "Unauthorized"}, status_code=401)
        return JSONResponse([r for r in self.rows.values() if r["student"] == student])

    async def create(self, request: Request) -> Response:
        student = self._student(request)
        if student is None:
            return JSONResponse({"detail": "Unauthorized"}, status_code=401)
        number = str(uuid.uuid4())
        row = {"id": number, "student": student, "status": "submitted", "grade": None}
        row |= {"content": "", "attachment_url": None} | dict(await request.json())
        self.rows[number] = row
        return JSONResponse(row, status_code=201)

    async def one(self, request: Request) -> Response:
        student = self._student(request)
        row = self.rows.get(request.path_params["id"])
        if student is None:
            return JSONResponse({"detail": "Unauthorized"}, status_code=401)
        if row is None or row["student"] != student:
            return JSONResponse({"detail": "Not Found"}, status_code=404)
        if request.method == "DELETE":
            if self.graded_kept and row["status"] == "graded":
                return JSONResponse({"detail": "a graded submission is kept"}, status_code=409)
            del self.rows[row["id"]]
            return Response(status_code=204)
        if request.method == "PATCH":
            if row["status"] == "graded":
                return JSONResponse({"detail": "already graded"}, status_code=409)
            row.update({k: v for k, v in (await request.json()).items() if k not in self.kept})
        return JSONResponse(row)


def _scan(homework: Homework) -> Results:
    identities = tuple(
        Identity(
            name=name,
            role="student",
            login=Login(
                method="POST",
                path="/login",
                body={"username": name, "password": "pw"},
                token="token",
            ),
        )
        for name in ("sam", "sara")
    )
    checks: list[AnyCheck] = [MassAssignment(), Ssrf()]
    with serving(homework.app) as url:
        api = load(f"{url}/openapi.json", allow_private=True)
        registry = Registry[AnyCheck]("check", ((c.id, c) for c in checks))
        return asyncio.run(scan(api, ScanConfig(target=url, identities=identities), registry))


@pytest.mark.parametrize("creatable", [False, True], ids=["seeded-only", "own-submissions"])
def test_seeded_submissions_keep_their_state(creatable: bool) -> None:
    homework = Homework(creatable=creatable)
    results = _scan(homework)
    assert homework.rows == homework.seeded, "a seeded submission changed, or one made was left"
    assert not results.damaged, [c for c in results.target_state if c.damage]


def test_the_scans_own_submission_is_not_moved_to_a_state_it_cannot_leave() -> None:
    """A graded submission is kept for good (its DELETE answers 409): the scan's own is not
    graded by a probe without --aggressive, and is deleted (the NestJS trial's order, set to
    refunded by a probe, stayed)."""
    homework = Homework(creatable=True, fixed_owner=True, kept=True)
    results = _scan(homework)
    assert homework.rows == homework.seeded, "the scan's own submission was left"
    found = {f.key for f in results.findings if f.check == "mass_assignment"}
    assert not any("status" in key for key in found), found


def test_a_withheld_state_probe_leaves_the_other_fields_tried() -> None:
    """The status probe is withheld on a seeded submission; grade, which goes back, is found."""
    homework = Homework(creatable=False, fixed_owner=True)
    results = _scan(homework)
    found = {f.key for f in results.findings if f.check == "mass_assignment"}
    assert any("grade" in key for key in found), found
    assert not any("status" in key for key in found), found
    assert homework.rows == homework.seeded
