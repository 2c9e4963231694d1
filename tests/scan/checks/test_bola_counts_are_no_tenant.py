"""A dashboard's counts are nobody's tenant: bola on bookings stays high.

A car-sharing API written the Express way (in Starlette): a ``{"success": true, "data": …}``
envelope, Mongo-style 24-hex ``_id`` strings, JWT-like tokens from ``POST /api/auth/login``,
Express's HTML "Cannot GET" page. Any signed-in user reads any booking by id (the flaw), and
a stats dashboard (``{"bookings": 3, "users": 3}``) answers every user alike. In the Express
trial the dashboard was taken for each user's own record, its ``bookings: 3`` for a tenant
every user shared, and bob reading alice's booking (with its door code) was graded low and
tentative. A count (a plural noun) names no tenant, and a read the contract marks as an
admin's is nobody's own record: the finding is high, wherever the dashboard lives.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from tests.conftest import scan_with_identities

from serving import serving

USERS = {
    "65a0f1d2e4b0a1b2c3d4e501": ("alice", "alice@fleet.test", "alice-pw-1"),
    "65a0f1d2e4b0a1b2c3d4e502": ("bob", "bob@fleet.test", "bob-pw-22"),
}
BOOKINGS = {
    "65b0a1c2d3e4f5a6b7c8d901": {"user": "65a0f1d2e4b0a1b2c3d4e501", "notes": "door code 4471"},
    "65b0a1c2d3e4f5a6b7c8d902": {"user": "65a0f1d2e4b0a1b2c3d4e502", "notes": "child seat"},
    "65b0a1c2d3e4f5a6b7c8d903": {"user": "65a0f1d2e4b0a1b2c3d4e501", "notes": "airport"},
}
IDENTITIES = "identities:\n" + "".join(
    f"  - name: {name}\n    role: user\n    login:\n      operation: POST /api/auth/login\n"
    f"      json: {{email: {mail}, password: {password}}}\n      token: data.token\n"
    for name, mail, password in USERS.values()
)
JSON = "application/json"


def _envelope(data: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": {"success": {"type": "boolean"}, "data": data}}


def _contract(stats: str) -> dict[str, Any]:
    booking = {
        "type": "object",
        "properties": {
            "_id": {"type": "string"},
            "user": {"type": "string"},
            "notes": {"type": "string"},
        },
    }
    counts = {
        "type": "object",
        "properties": {"bookings": {"type": "integer"}, "users": {"type": "integer"}},
    }
    login = {
        "type": "object",
        "required": ["email", "password"],
        "properties": {"email": {"type": "string"}, "password": {"type": "string"}},
    }
    token = {"type": "object", "properties": {"token": {"type": "string"}}}
    _id = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}

    def answer(schema: dict[str, Any]) -> dict[str, Any]:
        return {"200": {"description": "OK", "content": {JSON: {"schema": _envelope(schema)}}}}

    return {
        "openapi": "3.0.0",
        "info": {"title": "FleetGo", "version": "1.0.0"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
            "/api/auth/login": {
                "post": {
                    "security": [],
                    "requestBody": {"content": {JSON: {"schema": login}}},
                    "responses": answer(token),
                }
            },
            stats: {"get": {"summary": "Fleet statistics", "responses": answer(counts)}},
            "/api/bookings": {
                "get": {
                    "summary": "My bookings",
                    "responses": answer({"type": "array", "items": booking}),
                }
            },
            "/api/bookings/{id}": {
                "get": {"summary": "A booking", "parameters": [_id], "responses": answer(booking)}
            },
        },
    }


def fleet(stats: str) -> Starlette:
    """The app, its dashboard at ``stats``."""
    tokens: dict[str, str] = {}

    def who(request: Request) -> str | None:
        return tokens.get(request.headers.get("authorization", "").removeprefix("Bearer "))

    def fail(status: int, message: str) -> Response:
        return JSONResponse({"success": False, "message": message}, status_code=status)

    async def spec(request: Request) -> Response:
        return JSONResponse(_contract(stats))

    async def login(request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            return fail(400, "Invalid JSON")
        for uid, (_, mail, password) in USERS.items():
            if isinstance(body, dict) and (body.get("email"), body.get("password")) == (mail, password):  # fmt: skip
                issued = secrets.token_urlsafe(16)
                tokens[issued] = uid
                return JSONResponse({"success": True, "data": {"token": issued}})
        return fail(401, "Invalid credentials")

    async def dashboard(request: Request) -> Response:
        if who(request) is None:
            return fail(401, "Not authorized")
        return JSONResponse({"success": True, "data": {"bookings": len(BOOKINGS), "users": 2}})

    async def bookings(request: Request) -> Response:
        uid = who(request)
        if uid is None:
            return fail(401, "Not authorized")
        mine = [{"_id": k, **b} for k, b in BOOKINGS.items() if b["user"] == uid]
        return JSONResponse({"success": True, "data": mine})

    async def booking(request: Request) -> Response:
        if who(request) is None:
            return fail(401, "Not authorized")
        found = BOOKINGS.get(request.path_params["id"])  # no owner check: the flaw
        if found is None:
            return fail(404, "Booking not found")
        return JSONResponse({"success": True, "data": {"_id": request.path_params["id"], **found}})  # fmt: skip

    async def missing(request: Request, exc: Exception) -> Response:
        page = f"<!DOCTYPE html><html><body><pre>Cannot GET {request.url.path}</pre></body></html>"
        return HTMLResponse(page, status_code=404)

    return Starlette(
        routes=[
            Route("/openapi.json", spec),
            Route("/api/auth/login", login, methods=["POST"]),
            Route(stats, dashboard),
            Route("/api/bookings", bookings),
            Route("/api/bookings/{id}", booking),
        ],
        exception_handlers={404: missing},
    )


@pytest.mark.parametrize("stats", ["/api/stats", "/api/admin/stats"])
def test_reading_anothers_booking_is_high(stats: str, tmp_path: Path) -> None:
    """The dashboard's counts make no tenant of all users: bob reading alice's booking is high."""
    with serving(fleet(stats)) as url:
        result, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "bola")
    assert result.returncode in {0, 1}, result.stdout[-3000:]
    found = [f for f in report["findings"] if f["operation"] == "GET /api/bookings/{id}"]
    assert found, report["skipped"]
    assert found[0]["severity"] == "high", (found[0]["severity"], found[0]["detail"])
