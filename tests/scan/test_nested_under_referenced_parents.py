"""A parent the caller's own record names is still listed under: another tenant's invoice is found.

The Fastify trial's layout: ``GET /v2/me`` answers ``org_slug: acme``, ``GET /v2/orgs``
lists the caller's organisations, and invoices sit under them
(``GET /v2/orgs/{orgSlug}/invoices``, ``/{invoiceId}``). The scan kept one sighting of
``acme`` per identity, the one in ``/me``, which is no organisation listed as such, so it
listed nobody's invoices, knew no invoice id, and never tried the flaw: membership of
the organisation in the path is checked, and the invoice is then looked up by its id
alone. Written as a Starlette app with Fastify's error shape; the fixed twin looks the
invoice up within the organisation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tests.conftest import scan_with_identities

from serving import serving

KEYS = {"Bearer t-alice-8": ("alice", "acme"), "Bearer t-carol-9": ("carol", "globex")}
IDENTITIES = """\
identities:
  - {name: alice, role: member, headers: {Authorization: Bearer t-alice-8}}
  - {name: carol, role: member, headers: {Authorization: Bearer t-carol-9}}
"""
ORGS = {"acme": "Acme Robotics", "globex": "Globex Studio"}
INVOICES = {
    1: {"org_slug": "acme", "period": "2026-08", "amount_cents": 45560, "vat_id": "GB123"},
    2: {"org_slug": "globex", "period": "2026-08", "amount_cents": 38560, "vat_id": "DE987"},
    3: {"org_slug": "acme", "period": "2026-09", "amount_cents": 45570, "vat_id": "GB123"},
    4: {"org_slug": "globex", "period": "2026-09", "amount_cents": 38570, "vat_id": "DE987"},
}
_SLUG = {"name": "orgSlug", "in": "path", "required": True, "schema": {"type": "string"}}
_ID = {"name": "invoiceId", "in": "path", "required": True, "schema": {"type": "integer"}}
_INVOICE = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "org_slug": {"type": "string"},
        "period": {"type": "string"},
        "amount_cents": {"type": "integer"},
        "vat_id": {"type": "string"},
    },
}


def _ok(schema: dict[str, Any]) -> dict[str, Any]:
    ok = {"description": "ok", "content": {"application/json": {"schema": schema}}}
    return {"200": ok, "403": {"description": "not a member"}, "404": {"description": "no"}}


SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "deskhub billing", "version": "2.0.0"},
    "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearerAuth": []}],
    "paths": {
        "/v2/me": {"get": {"summary": "Who am I", "responses": _ok({"type": "object"})}},
        "/v2/orgs": {
            "get": {
                "summary": "My organisations",
                "responses": _ok({"type": "array", "items": {"type": "object"}}),
            }
        },
        "/v2/orgs/{orgSlug}/invoices": {
            "get": {
                "summary": "The organisation's invoices",
                "parameters": [_SLUG],
                "responses": _ok({"type": "array", "items": _INVOICE}),
            }
        },
        "/v2/orgs/{orgSlug}/invoices/{invoiceId}": {
            "get": {
                "summary": "One invoice of the organisation",
                "parameters": [_SLUG, _ID],
                "responses": _ok(_INVOICE),
            }
        },
    },
}


def _app(*, flawed: bool, orgs_listed: bool = True) -> Starlette:
    def caller(request: Request) -> tuple[str, str] | None:
        return KEYS.get(request.headers.get("authorization", ""))

    def refused(status: int, message: str) -> JSONResponse:
        error = {401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}[status]
        return JSONResponse({"statusCode": status, "error": error, "message": message}, status)

    async def contract(request: Request) -> Response:
        paths = {k: v for k, v in SPEC["paths"].items() if orgs_listed or k != "/v2/orgs"}
        return JSONResponse({**SPEC, "paths": paths})

    async def me(request: Request) -> Response:
        who = caller(request)
        if who is None:
            return refused(401, "Missing or invalid token")
        return JSONResponse({"name": who[0], "org_slug": who[1], "org_role": "member"})

    async def orgs(request: Request) -> Response:
        who = caller(request)
        if who is None:
            return refused(401, "Missing or invalid token")
        return JSONResponse([{"slug": who[1], "name": ORGS[who[1]]}])

    async def invoices(request: Request) -> Response:
        who, slug = caller(request), request.path_params["slug"]
        if who is None:
            return refused(401, "Missing or invalid token")
        if who[1] != slug:
            return refused(403, "Not a member of this organisation")
        mine = [{"id": k, **v} for k, v in INVOICES.items() if v["org_slug"] == slug]
        return JSONResponse(mine)

    async def invoice(request: Request) -> Response:
        who, slug = caller(request), request.path_params["slug"]
        if who is None:
            return refused(401, "Missing or invalid token")
        if who[1] != slug:
            return refused(403, "Not a member of this organisation")
        found = INVOICES.get(request.path_params["id"])
        if found is None or (not flawed and found["org_slug"] != slug):
            return refused(404, "Invoice not found")
        return JSONResponse({"id": request.path_params["id"], **found})

    return Starlette(
        routes=[
            Route("/openapi.json", contract),
            Route("/v2/me", me),
            Route("/v2/orgs", orgs),
            Route("/v2/orgs/{slug}/invoices", invoices),
            Route("/v2/orgs/{slug}/invoices/{id:int}", invoice),
        ]
    )


@pytest.mark.parametrize(
    ("flawed", "orgs_listed"),
    [(True, True), (False, True), (True, False), (False, False)],
    ids=["flawed", "fixed", "flawed-no-org-listing", "fixed-no-org-listing"],
)
def test_another_tenants_invoice_under_ones_own_organisation(
    flawed: bool, orgs_listed: bool, tmp_path: Path
) -> None:
    """carol reads alice's invoice under her own organisation's path: found on the flawed twin
    only, with or without a listing of organisations (the hapi trial had none: only the
    caller's own record named its company)."""
    with serving(_app(flawed=flawed, orgs_listed=orgs_listed)) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "bola")
    assert done.returncode in {0, 1}, done.stdout[-3000:]
    found = {f["operation"] for f in report["findings"] if f["check"] == "bola"}
    assert found == ({"GET /v2/orgs/{orgSlug}/invoices/{invoiceId}"} if flawed else set())
