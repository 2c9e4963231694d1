"""bola when the attacker has no object of its own there: its baseline names the owner's.

The Rails trial's hilda (Globex) read Acme's application 1 under Acme's job 1 and got it:
the request went out, yet no finding. Globex had no application of its own, so her
"own" read was filled with what others' answers showed, the very application she then
asked for as the attacker, and an answer like one's own is no leak. A Starlette hiring
API: a public job board, each company's staff list the applications to its jobs. The
flawed ``GET /jobs/{job_id}/applications/{id}`` forgets the company check; the twin has it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from ownership_support import scan_app
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from apiward.core.findings import Severity
from apiward.scan import Identity
from apiward.scan.checks.bola import Bola

STAFF = {
    "tok-hank": {"id": 5, "name": "Hank", "company": "acme"},
    "tok-hilda": {"id": 6, "name": "Hilda", "company": "globex"},
}
JOBS = {1: {"id": 1, "title": "Robotics engineer", "company": "acme"},
        2: {"id": 2, "title": "Clinical data lead", "company": "globex"}}  # fmt: skip
APPLICATIONS = {
    1: {"id": 1, "job_id": 1, "candidate": "Cara Diaz", "email": "cara@mail.example",
        "phone": "+49 151 0000002", "status": "interview"},
    2: {"id": 2, "job_id": 1, "candidate": "Carl Berg", "email": "carl@mail.example",
        "phone": "+49 151 0000001", "status": "applied"},
}  # fmt: skip
JSON = "application/json"


def _contract() -> dict[str, Any]:
    def path(name: str) -> dict[str, Any]:
        return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}

    ok = {"200": {"description": "OK"}, "404": {"description": "Not Found"}}
    return {
        "openapi": "3.0.1",
        "info": {"title": "hiring", "version": "v1"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
            "/jobs": {"get": {"summary": "Public job board", "security": [], "responses": ok}},
            "/jobs/{job_id}/applications": {
                "get": {"summary": "Applications for a job", "parameters": [path("job_id")],
                        "responses": ok}
            },
            "/jobs/{job_id}/applications/{id}": {
                "get": {"summary": "Show an application",
                        "parameters": [path("job_id"), path("id")], "responses": ok}
            },
        },
    }  # fmt: skip


def hiring(*, checks_company: bool) -> Starlette:
    """The app; ``checks_company`` puts the company check on one application's read too."""

    def caller(request: Request) -> dict[str, Any] | None:
        return STAFF.get(request.headers.get("authorization", "").removeprefix("Bearer "))

    async def contract(request: Request) -> Response:
        return JSONResponse(_contract())

    async def jobs(request: Request) -> Response:
        return JSONResponse({"jobs": list(JOBS.values())})

    def job_of(request: Request, who: dict[str, Any], check: bool) -> dict[str, Any] | None:
        job = JOBS.get(int(request.path_params["job_id"]))
        return None if job is None or (check and job["company"] != who["company"]) else job

    async def applications(request: Request) -> Response:
        who = caller(request)
        if who is None:
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        job = job_of(request, who, True)
        if job is None:
            return JSONResponse({"error": "not found"}, status_code=404)
        rows = [a for a in APPLICATIONS.values() if a["job_id"] == job["id"]]
        return JSONResponse({"applications": rows})

    async def application(request: Request) -> Response:
        who = caller(request)
        if who is None:
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        job = job_of(request, who, checks_company)
        found = APPLICATIONS.get(int(request.path_params["id"]))
        if job is None or found is None or found["job_id"] != job["id"]:
            return JSONResponse({"error": "not found"}, status_code=404)
        return JSONResponse({"application": found})

    return Starlette(
        routes=[
            Route("/openapi.json", contract),
            Route("/jobs", jobs),
            Route("/jobs/{job_id:int}/applications", applications),
            Route("/jobs/{job_id:int}/applications/{id:int}", application),
        ]
    )


def _people() -> tuple[Identity, ...]:
    return tuple(
        Identity(name=name, role="hiring_manager", headers={"Authorization": f"Bearer tok-{name}"})
        for name in ("hank", "hilda")
    )


@pytest.mark.parametrize("checks_company", [False, True], ids=["flawed", "fixed"])
def test_a_peer_with_nothing_of_its_own_there_reading_anothers_is_found(
    serve: Callable[..., Any], checks_company: bool
) -> None:
    """hilda reads hank's application under his job: high in the flawed app, nothing in the twin."""
    server = serve(hiring(checks_company=checks_company))
    results = scan_app(server.url, Bola(), _people())
    assert results.errors == []
    loud = {f.operation: f for f in results.findings if f.severity > Severity.LOW}
    if checks_company:
        assert loud == {}
        return
    finding = loud["GET /jobs/{job_id}/applications/{id}"]
    assert finding.title.startswith("hilda reads hank's"), finding.title
