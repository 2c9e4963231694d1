"""A pass the scan issued is still redeemed only by a user the scan made, never by the file's.

The Django Ninja trial's manager issues guest passes (``POST /spaces/{slug}/guest-passes``,
deleted by code), and any member redeems one (``POST /guest-passes/{pass_code}/redeem``),
which adds a day pass to the redeemer's own account. The scan issued a pass, and
``auth_bypass``'s legitimate request redeemed it as the platform's admin, a user of the
identities file: under ``--safe`` too, its account kept a day pass nobody had bought. A
redemption of what the scan made is withheld like any other now (``Ledger._unredeemed``).
"""

import itertools
import secrets
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
  - {name: mara, role: manager, rank: 2, headers: {Authorization: Token pass-mara}}
  - {name: alice, role: member, rank: 1, headers: {Authorization: Token pass-alice}}
"""
PEOPLE = {"pass-mara": "mara", "pass-alice": "alice"}
CODE = {"name": "pass_code", "in": "path", "required": True, "schema": {"type": "string"}}
OK = {"200": {"description": "OK"}}
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "passes", "version": "1"},
    "security": [{"token": []}],
    "components": {
        "securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "Authorization"}}
    },
    "paths": {
        "/me": {"get": {"summary": "Your account and day passes", "responses": OK}},
        "/guest-passes": {
            "post": {
                "summary": "Issue a guest pass. Managers only.",
                "requestBody": {"content": {"application/json": {"schema": {
                    "type": "object", "properties": {"guest": {"type": "string"}}}}}},
                "responses": {"201": {"description": "issued"}},
            }
        },
        "/guest-passes/{pass_code}": {
            "delete": {"summary": "Revoke a guest pass. Managers only.", "parameters": [CODE],
                       "responses": {"204": {"description": "revoked"}}},
        },
        "/guest-passes/{pass_code}/redeem": {
            "post": {"summary": "Redeem a guest pass for a day pass", "parameters": [CODE],
                     "responses": OK},
        },
    },
}  # fmt: skip


class Passes:
    """Passes by code, each account's day passes, and the app."""

    def __init__(self) -> None:
        self.passes: dict[str, dict[str, Any]] = {}
        self.day_passes = {"mara": 0, "alice": 0}
        self.ids = itertools.count(1)

    def app(self) -> Starlette:
        """The API."""
        return Starlette(
            routes=[
                Route("/openapi.json", lambda r: JSONResponse(CONTRACT)),
                Route("/me", self.me),
                Route("/guest-passes", self.issue, methods=["POST"]),
                Route("/guest-passes/{code}", self.revoke, methods=["DELETE"]),
                Route("/guest-passes/{code}/redeem", self.redeem, methods=["POST"]),
            ]
        )

    def _who(self, request: Request) -> str | None:
        return PEOPLE.get(request.headers.get("authorization", "").removeprefix("Token "))

    async def me(self, request: Request) -> Response:
        who = self._who(request)
        if who is None:
            return JSONResponse({"detail": "Unauthorized"}, 401)
        return JSONResponse({"username": who, "day_passes": self.day_passes[who]})

    async def issue(self, request: Request) -> Response:
        if self._who(request) != "mara":
            return JSONResponse({"detail": "Managers only."}, 403)
        code = f"GP-{secrets.token_hex(3).upper()}"
        self.passes[code] = {"code": code, "uses": 0}
        return JSONResponse(self.passes[code], 201)

    async def revoke(self, request: Request) -> Response:
        if self._who(request) != "mara":
            return JSONResponse({"detail": "Managers only."}, 403)
        if self.passes.pop(request.path_params["code"], None) is None:
            return JSONResponse({"detail": "Not found"}, 404)
        return Response(status_code=204)

    async def redeem(self, request: Request) -> Response:
        who, found = self._who(request), self.passes.get(request.path_params["code"])
        if who is None:
            return JSONResponse({"detail": "Unauthorized"}, 401)
        if found is None:
            return JSONResponse({"detail": "Not found"}, 404)
        found["uses"] += 1
        self.day_passes[who] += 1
        return JSONResponse({"day_passes": self.day_passes[who]})


@pytest.mark.parametrize("mode", [(), ("--safe",)], ids=["default", "safe"])
def test_no_file_identity_redeems_a_pass_the_scan_issued(
    tmp_path: Path, mode: tuple[str, ...]
) -> None:
    """mara's and alice's day passes stay 0; every pass the scan issued is revoked again."""
    passes = Passes()
    with serving(passes.app()) as url:
        done, _ = scan_with_identities(url, IDENTITIES, tmp_path, *mode)
    assert done.returncode in {0, 1}, done.stderr
    assert passes.day_passes == {"mara": 0, "alice": 0}
    assert passes.passes == {}
