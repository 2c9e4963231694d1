"""bola tries owners of every role, not the first four of the file.

The Koa trial's file listed two managers and two technicians before its residents. Each
saw its agency's leases, properly scoped to the agency, and they filled bola's four owners:
the residents, any of whom read any lease, were never tried. A letting agency in
Starlette, the file in that order: staff of two agencies first, two residents of one last.
The careless build lets a resident read any lease; its twin only the resident's own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from tests.conftest import scan_with_identities

from serving import serving

PEOPLE = {
    "Bearer kr-mia": {"id": 2, "role": "manager", "agency": 1},
    "Bearer kr-noah": {"id": 3, "role": "manager", "agency": 2},
    "Bearer kr-tom": {"id": 4, "role": "technician", "agency": 1},
    "Bearer kr-tess": {"id": 5, "role": "technician", "agency": 2},
    "Bearer kr-rita": {"id": 9, "role": "resident", "agency": 1},
    "Bearer kr-ron": {"id": 10, "role": "resident", "agency": 1},
}
IDENTITIES = "identities:\n" + "".join(
    f"  - {{name: {token.split('-')[1]}, role: {who['role']}, "
    f"headers: {{Authorization: {token}}}}}\n"
    for token, who in PEOPLE.items()
)
LEASES = {
    1: {"id": 1, "agencyId": 1, "residentId": 9, "unit": "1A", "monthlyRent": 1150,
        "notes": "Pet: one cat (approved)."},
    2: {"id": 2, "agencyId": 1, "residentId": 10, "unit": "2B", "monthlyRent": 1480,
        "notes": "Parking space 14."},
    3: {"id": 3, "agencyId": 2, "residentId": 11, "unit": "301", "monthlyRent": 1300,
        "notes": "Deposit paid in two parts."},
    4: {"id": 4, "agencyId": 2, "residentId": 12, "unit": "302", "monthlyRent": 1320,
        "notes": "Balcony repair pending."},
}  # fmt: skip
_LEASE = {"type": "object", "properties": {
    "id": {"type": "integer"}, "agencyId": {"type": "integer"},
    "residentId": {"type": "integer"}, "unit": {"type": "string"},
    "monthlyRent": {"type": "number"}, "notes": {"type": "string"}}}  # fmt: skip
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "Keyring", "version": "1.4.2"},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "paths": {
        "/leases": {"get": {"summary": "Leases visible to the caller", "responses": {
            "200": {"description": "leases", "content": {"application/json": {
                "schema": {"type": "array", "items": _LEASE}}}}}}},
        "/leases/{leaseId}": {"get": {
            "summary": "A lease",
            "description": "Residents can read their own lease; managers and technicians "
                           "the leases of their agency.",
            "parameters": [{"name": "leaseId", "in": "path", "required": True,
                            "schema": {"type": "integer"}}],
            "responses": {"200": {"description": "the lease", "content": {
                "application/json": {"schema": _LEASE}}}, "404": {"description": "no"}}}},
    },
}  # fmt: skip


def _app(careless: bool) -> Starlette:
    def caller(request: Request) -> dict[str, Any] | None:
        return PEOPLE.get(request.headers.get("authorization", ""))

    def sees(who: dict[str, Any], lease: dict[str, Any]) -> bool:
        if who["role"] == "resident":
            return lease["residentId"] == who["id"]
        return lease["agencyId"] == who["agency"]

    async def contract(request: Request) -> Response:
        return JSONResponse(CONTRACT)

    async def listing(request: Request) -> Response:
        who = caller(request)
        if who is None:
            return PlainTextResponse("Unauthorized", status_code=401)
        return JSONResponse([lease for lease in LEASES.values() if sees(who, lease)])

    async def one(request: Request) -> Response:
        who, lease = caller(request), LEASES.get(int(request.path_params["lease_id"]))
        if who is None:
            return PlainTextResponse("Unauthorized", status_code=401)
        if lease is None:
            return PlainTextResponse("Not Found", status_code=404)
        if careless and who["role"] == "resident":
            return JSONResponse(lease)  # residents were never scoped
        if not sees(who, lease):
            return PlainTextResponse("Forbidden", status_code=403)
        return JSONResponse(lease)

    return Starlette(
        routes=[
            Route("/openapi.json", contract),
            Route("/leases", listing),
            Route("/leases/{lease_id:int}", one),
        ]
    )


@pytest.mark.parametrize("careless", [True, False], ids=["careless", "twin"])
def test_residents_listed_after_the_staff_are_tried(tmp_path: Path, careless: bool) -> None:
    """ron reading rita's lease is found, though four staff come first in the file."""
    with serving(_app(careless)) as url:
        result, report = scan_with_identities(
            url, IDENTITIES, tmp_path, "--allow-private", "--checks", "bola"
        )
    assert result.returncode in (0, 1), result.stderr
    found = [
        (f["severity"], f["title"]) for f in report["findings"]
        if f["operation"] == "GET /leases/{leaseId}"
    ]  # fmt: skip
    assert found == ([("high", "ron reads rita's object through path leaseId")] if careless else [])
