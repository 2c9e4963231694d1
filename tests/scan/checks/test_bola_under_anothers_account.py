"""What is listed under another person's account is theirs, though the directory shows them.

The restify trial's coworking API lists every member in a directory any member may read, and
each member's bookings at ``GET /members/{memberId}/bookings`` ("Bookings of one member
(yourself; hosts and admins for anyone)"), where the owner check was forgotten. The harvest
listed alice's bookings as bob, under a parent bob's directory shows him, and bola took that
listing for one bob may read by design: bob reading alice's bookings, the planted flaw,
went unreported in default and ``--safe`` scans. A listing under another identity's own
account is no longer one the harvest lists as bob's.

The API is written with Starlette's own idioms (no framework contract: a hand-written one,
prefixed string ids, ``{"items": [...], "limit", "offset"}`` pages, ``{"code", "message"}``
errors) and a ``secure`` switch that adds the owner check.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - name: alice
    role: member
    login:
      operation: POST /auth/login
      json: {email: alice@cowork.example, password: alice-pass-1}
      token: token
  - name: bob
    role: member
    login:
      operation: POST /auth/login
      json: {email: bob@cowork.example, password: bob-pass-22}
      token: token
"""

MEMBER = {
    "type": "object",
    "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
}
BOOKING = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "member_id": {"type": "string"},
        "room": {"type": "string"},
        "starts_at": {"type": "string"},
    },
}


def _page(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": item},
            "limit": {"type": "integer"},
            "offset": {"type": "integer"},
        },
    }


def _ok(schema: dict[str, Any]) -> dict[str, Any]:
    return {"200": {"description": "OK", "content": {"application/json": {"schema": schema}}}}


CONTRACT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "cowork", "version": "1.0"},
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/auth/login": {
            "post": {
                "security": [],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["email", "password"],
                                "properties": {
                                    "email": {"type": "string"},
                                    "password": {"type": "string"},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    **_ok({"type": "object", "properties": {"token": {"type": "string"}}}),
                    "401": {"description": "Bad credentials"},
                },
            }
        },
        "/me": {"get": {"summary": "Your own member record", "responses": _ok(MEMBER)}},
        "/members": {"get": {"summary": "Member directory", "responses": _ok(_page(MEMBER))}},
        "/members/{memberId}/bookings": {
            "parameters": [
                {"name": "memberId", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "get": {
                "summary": "Bookings of one member (yourself; hosts and admins for anyone)",
                "responses": {**_ok(_page(BOOKING)), "404": {"description": "Not found"}},
            },
        },
    },
}


def cowork(*, secure: bool) -> Starlette:
    """The API; ``secure`` checks that the member asked about is the caller."""
    members = {
        "mbr_a1lc3x": {
            "email": "alice@cowork.example",
            "password": "alice-pass-1",
            "name": "Alice",
        },
        "mbr_b0b7qz": {"email": "bob@cowork.example", "password": "bob-pass-22", "name": "Bob"},
    }
    bookings = [
        {"id": "bkg_k2m9a1", "member_id": "mbr_a1lc3x", "room": "Loft", "starts_at": "2027-01-04"},
        {"id": "bkg_p7x3d0", "member_id": "mbr_b0b7qz", "room": "Den", "starts_at": "2027-01-05"},
    ]
    tokens: dict[str, str] = {}

    def caller(request: Request) -> str | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return tokens.get(token) if scheme.lower() == "bearer" else None

    def unauthorized() -> JSONResponse:
        return JSONResponse({"code": "Unauthorized", "message": "log in"}, status_code=401)

    async def openapi(request: Request) -> JSONResponse:
        return JSONResponse(CONTRACT)

    async def login(request: Request) -> JSONResponse:
        body = await request.json()
        for member_id, member in members.items():
            if member["email"] == body.get("email") and member["password"] == body.get("password"):
                token = secrets.token_hex(16)
                tokens[token] = member_id
                return JSONResponse({"token": token})
        return JSONResponse({"code": "Unauthorized", "message": "bad credentials"}, 401)

    async def me(request: Request) -> JSONResponse:
        who = caller(request)
        if who is None:
            return unauthorized()
        return JSONResponse({"id": who, "name": members[who]["name"]})

    async def directory(request: Request) -> JSONResponse:
        if caller(request) is None:
            return unauthorized()
        items = [{"id": k, "name": m["name"]} for k, m in members.items()]
        return JSONResponse({"items": items, "limit": 20, "offset": 0})

    async def member_bookings(request: Request) -> JSONResponse:
        who = caller(request)
        if who is None:
            return unauthorized()
        member_id = request.path_params["member_id"]
        if member_id not in members or (secure and member_id != who):
            return JSONResponse({"code": "NotFound", "message": "no such member"}, 404)
        items = [b for b in bookings if b["member_id"] == member_id]
        return JSONResponse({"items": items, "limit": 20, "offset": 0})

    return Starlette(
        routes=[
            Route("/openapi.json", openapi),
            Route("/auth/login", login, methods=["POST"]),
            Route("/me", me),
            Route("/members", directory),
            Route("/members/{member_id}/bookings", member_bookings),
        ]
    )


def _bola(tmp_path: Path, *, secure: bool, mode: str = "") -> list[dict[str, Any]]:
    with serving(cowork(secure=secure)) as url:
        extra = ("--checks", "bola", *((mode,) if mode else ()))
        done, report = scan_with_identities(url, IDENTITIES, tmp_path, *extra)
    assert done.returncode == 0, done.stdout + done.stderr
    return [
        f
        for f in report["findings"]
        if f["check"] == "bola" and f["operation"] == "GET /members/{memberId}/bookings"
    ]


def test_a_member_reading_anothers_bookings_is_found(tmp_path: Path) -> None:
    """Found in the default scan and under ``--safe`` (a read)."""
    assert _bola(tmp_path, secure=False)
    assert _bola(tmp_path, secure=False, mode="--safe")


def test_with_the_owner_check_nothing_is_found(tmp_path: Path) -> None:
    """The fixed twin: each member's bookings are refused to the other."""
    assert not _bola(tmp_path, secure=True)
