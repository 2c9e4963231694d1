"""What is listed under a read the contract calls public is public too.

The APIFlask trial's ``GET /api/users/{user_id}`` is "Public profile of a user"; the reviews
a user received, ``GET /api/users/{user_id}/reviews``, are shown on that profile. Bob reading
alice's reviews was called a high BOLA. Where the parent's read is not called public (a
user's account), the same read is still one.
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

IDENTITIES = """\
identities:
  - {name: alice, role: user, headers: {Authorization: Bearer rv-alice}}
  - {name: bob, role: user, headers: {Authorization: Bearer rv-bob}}
"""
CALLERS = {"Bearer rv-alice": 1, "Bearer rv-bob": 2}
USERS = {1: "alice", 2: "bob"}
REVIEWS = {
    1: [{"id": 11, "stars": 5, "text": "alice shipped fast, lovely lamp"}],
    2: [{"id": 12, "stars": 2, "text": "bob's bike had a flat tyre"}],
}
_USER_ID = {"name": "user_id", "in": "path", "required": True, "schema": {"type": "integer"}}


def _contract(profile: str) -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "market", "version": "1"},
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": {
            "/api/me": {"get": {"summary": "My account",
                                "responses": {"200": {"description": "OK"}}}},
            "/api/users/{user_id}": {"get": {
                "summary": profile, "parameters": [_USER_ID],
                "responses": {"200": {"description": "OK"}}}},
            "/api/users/{user_id}/reviews": {"get": {
                "summary": "Reviews received by a user", "parameters": [_USER_ID],
                "responses": {"200": {"description": "OK"}}}},
        },
    }  # fmt: skip


def _app(profile: str) -> Starlette:
    def caller(request: Request) -> int | None:
        return CALLERS.get(request.headers.get("authorization", ""))

    async def me(request: Request) -> Response:
        who = caller(request)
        if who is None:
            return JSONResponse({"message": "Unauthorized"}, 401)
        return JSONResponse({"id": who, "username": USERS[who]})

    async def user(request: Request) -> Response:
        if caller(request) is None:
            return JSONResponse({"message": "Unauthorized"}, 401)
        number = request.path_params["user_id"]
        return JSONResponse({"id": number, "username": USERS.get(number, "?")})

    async def reviews(request: Request) -> Response:
        if caller(request) is None:
            return JSONResponse({"message": "Unauthorized"}, 401)
        number = request.path_params["user_id"]
        if number not in REVIEWS:
            return JSONResponse({"message": "Not Found"}, 404)
        return JSONResponse({"items": REVIEWS[number]})

    contract = _contract(profile)
    return Starlette(
        routes=[
            Route("/openapi.json", lambda r: JSONResponse(contract)),
            Route("/api/me", me),
            Route("/api/users/{user_id:int}", user),
            Route("/api/users/{user_id:int}/reviews", reviews),
        ]
    )


@pytest.mark.parametrize(
    ("profile", "flagged"), [("Public profile of a user", False), ("A user's account", True)]
)
def test_reviews_under_a_public_profile_are_no_bola(
    tmp_path: Path, profile: str, flagged: bool
) -> None:
    """No finding under the public profile; a high BOLA under a private account."""
    with serving(_app(profile)) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "bola")
    assert done.returncode in (0, 1), done.stdout[-3000:] + done.stderr[-3000:]
    found = [f["operation"] for f in report["findings"] if f["check"] == "bola"]
    assert ("GET /api/users/{user_id}/reviews" in found) is flagged, report["findings"]
