"""A creation's answer that names a shared catalogue item does not make the item its creator's.

A garage's jobs API in plain Starlette (its default plain-text ``Not Found``, API keys as
``Authorization: Token …``): every mechanic reads the same parts catalogue
(``GET /parts``, ``GET /parts/{id}``), keeps jobs of their own, and books parts onto a
job (``POST /jobs/{id}/parts`` with ``{"part_id", "qty"}``), answered with the new line,
which names the catalogue part it took (``{"id", "job_id", "part_id", "qty"}``). The
lines live under ``/jobs/{id}/parts``, a collection named like the catalogue.

Booking part 2 makes a line, not part 2: another mechanic reading part 2, or booking it
onto their own job, is what the catalogue is for. The flawed twin also lets anyone read
anyone's job, which must still be found.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tests.conftest import scan_with_identities

from serving import serving

KEYS = {"k-ines-4471": "ines", "k-otto-9902": "otto"}
PART = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "sku": {"type": "string"},
        "name": {"type": "string"},
        "stock": {"type": "integer"},
    },
}
JOB = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "plate": {"type": "string"}},
}
LINE = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "job_id": {"type": "integer"},
        "part_id": {"type": "integer"},
        "qty": {"type": "integer", "minimum": 1},
    },
}


def _answer(schema: dict[str, Any], status: str = "200") -> dict[str, Any]:
    return {status: {"description": "ok", "content": {"application/json": {"schema": schema}}}}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _id(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


CONTRACT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "garage", "version": "1"},
    "security": [{"token": []}],
    "components": {
        "securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "Authorization"}}
    },
    "paths": {
        "/parts": {"get": {"responses": _answer({"type": "array", "items": PART})}},
        "/parts/{part_id}": {"get": {"parameters": [_id("part_id")], "responses": _answer(PART)}},
        "/jobs": {
            "get": {"responses": _answer({"type": "array", "items": JOB})},
            "post": {
                "requestBody": _body(
                    {"type": "object", "properties": {"plate": {"type": "string"}}}
                ),
                "responses": _answer(JOB, "201"),
            },
        },
        "/jobs/{job_id}": {
            "get": {"parameters": [_id("job_id")], "responses": _answer(JOB)},
            "delete": {
                "parameters": [_id("job_id")],
                "responses": {"204": {"description": "gone"}},
            },
        },
        "/jobs/{job_id}/parts": {
            "get": {
                "parameters": [_id("job_id")],
                "responses": _answer({"type": "array", "items": LINE}),
            },
            "post": {
                "parameters": [_id("job_id")],
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["part_id", "qty"],
                        "properties": {
                            "part_id": LINE["properties"]["part_id"],
                            "qty": LINE["properties"]["qty"],
                        },
                    }
                ),
                "responses": _answer(LINE, "201"),
            },
        },
        "/jobs/{job_id}/parts/{line_id}": {
            "delete": {
                "parameters": [_id("job_id"), _id("line_id")],
                "responses": {"204": {"description": "returned to stock"}},
            }
        },
    },
}
IDENTITIES = """\
identities:
  - name: ines
    role: mechanic
    headers: {Authorization: Token k-ines-4471}
  - name: otto
    role: mechanic
    headers: {Authorization: Token k-otto-9902}
"""


class Garage:
    """Parts everyone shares, jobs each mechanic keeps, lines booked onto jobs."""

    def __init__(self, *, flawed: bool) -> None:
        self.flawed = flawed
        self.parts = {
            1: {"id": 1, "sku": "FLT-OIL-9", "name": "Oil filter", "stock": 30},
            2: {"id": 2, "sku": "BLT-AUX-4", "name": "Aux belt", "stock": 12},
            3: {"id": 3, "sku": "PLG-IRD-6", "name": "Spark plug", "stock": 48},
        }
        self.jobs = {
            1: {"id": 1, "plate": "KX19 ABC", "owner": "ines"},
            2: {"id": 2, "plate": "LM70 XYZ", "owner": "otto"},
        }
        self.lines = {
            1: {"id": 1, "job_id": 1, "part_id": 2, "qty": 1},
            2: {"id": 2, "job_id": 2, "part_id": 1, "qty": 2},
        }
        self.serial = itertools.count(10)

    def _who(self, request: Request) -> str:
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        if scheme != "Token" or key not in KEYS:
            raise HTTPException(401, "Invalid token.")
        return KEYS[key]

    def _job(self, request: Request, *, read: bool = False) -> dict[str, Any]:
        who = self._who(request)
        job = self.jobs.get(int(request.path_params["job_id"]))
        if job is None or (job["owner"] != who and not (read and self.flawed)):
            raise HTTPException(404)
        return job

    def app(self) -> Starlette:
        """The service as an ASGI app."""

        async def contract(request: Request) -> Response:
            return JSONResponse(CONTRACT)

        async def parts(request: Request) -> Response:
            self._who(request)
            return JSONResponse(list(self.parts.values()))

        async def part(request: Request) -> Response:
            self._who(request)
            found = self.parts.get(int(request.path_params["part_id"]))
            if found is None:
                raise HTTPException(404)
            return JSONResponse(found)

        async def jobs(request: Request) -> Response:
            who = self._who(request)
            if request.method == "POST":
                body = await request.json()
                job = {"id": next(self.serial), "plate": str(body.get("plate", "")), "owner": who}
                self.jobs[job["id"]] = job
                return JSONResponse(_public(job), status_code=201)
            return JSONResponse([_public(j) for j in self.jobs.values() if j["owner"] == who])

        async def job(request: Request) -> Response:
            found = self._job(request, read=request.method == "GET")
            if request.method == "DELETE":
                del self.jobs[found["id"]]
                return Response(status_code=204)
            return JSONResponse(_public(found))

        async def lines(request: Request) -> Response:
            found = self._job(request)
            if request.method == "GET":
                return JSONResponse(
                    [ln for ln in self.lines.values() if ln["job_id"] == found["id"]]
                )
            body = await request.json()
            part_id, qty = body.get("part_id"), body.get("qty")
            if part_id not in self.parts or not isinstance(qty, int) or qty < 1:
                return JSONResponse({"detail": "unknown part or bad quantity"}, status_code=400)
            line = {"id": next(self.serial), "job_id": found["id"], "part_id": part_id, "qty": qty}
            self.lines[line["id"]] = line
            return JSONResponse(line, status_code=201)

        async def line(request: Request) -> Response:
            found = self._job(request)
            gone = self.lines.get(int(request.path_params["line_id"]))
            if gone is None or gone["job_id"] != found["id"]:
                raise HTTPException(404)
            del self.lines[gone["id"]]
            return Response(status_code=204)

        return Starlette(
            routes=[
                Route("/openapi.json", contract),
                Route("/parts", parts),
                Route("/parts/{part_id:int}", part),
                Route("/jobs", jobs, methods=["GET", "POST"]),
                Route("/jobs/{job_id:int}", job, methods=["GET", "DELETE"]),
                Route("/jobs/{job_id:int}/parts", lines, methods=["GET", "POST"]),
                Route("/jobs/{job_id:int}/parts/{line_id:int}", line, methods=["DELETE"]),
            ]
        )


def _public(job: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in job.items() if k != "owner"}


@pytest.mark.parametrize("flawed", [True, False], ids=["flawed", "fixed"])
def test_a_booked_catalogue_part_is_not_its_bookers(flawed: bool, tmp_path: Path) -> None:
    """No BOLA on the catalogue or on booking a shared part; the job read BOLA is found."""
    garage = Garage(flawed=flawed)
    with serving(garage.app()) as url:
        result, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "bola")
    assert result.returncode in {0, 1}, result.stdout[-3000:]
    bola = {(f["operation"], f["title"]) for f in report["findings"] if f["check"] == "bola"}
    about_parts = {
        (op, title)
        for op, title in bola
        if (op in {"GET /parts/{part_id}", "POST /jobs/{job_id}/parts"} and "part_id" in title)
        or op == "GET /parts/{part_id}"
    }
    assert about_parts == set(), about_parts
    jobs_read = [op for op, _ in bola if op == "GET /jobs/{job_id}"]
    assert bool(jobs_read) is flawed, bola
    assert sorted(garage.parts) == [1, 2, 3]
    assert sorted(garage.jobs) == [1, 2]
    assert sorted(garage.lines) == [1, 2]
