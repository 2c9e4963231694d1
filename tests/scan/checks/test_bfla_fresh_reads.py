"""Two callers of one role whose answers differ by a write in between are read again.

A ticketing API written in Starlette, as the Express trial's was: ``GET /admin/users``
("Admins only") lists every account's display name and forgets its role check;
``PATCH /users/me`` renames the caller. Another check's legitimate rename of alice
lands between the reads ``bfla`` compares: bob's and carol's answers, read at other
times, differed by alice's new name, so the list looked scoped per caller and the flaw
went unreported in every default scan (while ``--safe``, which sends no rename, found
it). Read again back to back, the two answers are the same list.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - {name: alice, role: user, headers: {Authorization: Bearer tk-alice}}
  - {name: bob, role: user, headers: {Authorization: Bearer tk-bob}}
  - {name: carol, role: user, headers: {Authorization: Bearer tk-carol}}
  - {name: root, role: admin, rank: 10, headers: {Authorization: Bearer tk-root}}
"""
TOKENS = {f"Bearer tk-{n}": n for n in ("alice", "bob", "carol", "root")}
USERS = {
    name: {"display_name": name.title(), "email": f"{name}@example.org"}
    for name in ("alice", "bob", "carol", "root")
}
ACCOUNT = {
    "type": "object",
    "properties": {
        "username": {"type": "string"},
        "display_name": {"type": "string", "maxLength": 40},
        "email": {"type": "string"},
    },
}
NAME = {"type": "object", "properties": {"display_name": {"type": "string"}}}
RENAME = {"type": "object", "properties": {"display_name": {"type": "string", "maxLength": 40}}}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"200": {"description": "OK", "content": {"application/json": {"schema": schema}}}}


CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "tickets", "version": "1.0.0"},
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/users/me": {
            "get": {"responses": _json(ACCOUNT)},
            "patch": {
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": RENAME}},
                },
                "responses": _json(ACCOUNT),
            },
        },
        "/admin/users": {
            "get": {
                "summary": "Every account. Admins only.",
                "responses": {
                    **_json({"type": "array", "items": NAME}),
                    "403": {"description": "Admins only"},
                },
            }
        },
    },
}


def app_of(users: dict[str, dict[str, Any]]) -> Starlette:
    """The API; the admin list checks the login, not the role."""

    def shown(name: str) -> dict[str, Any]:
        return {"username": name, **users[name]}

    def caller(request: Request) -> str | None:
        return TOKENS.get(request.headers.get("authorization", ""))

    async def contract(request: Request) -> Response:
        return JSONResponse(CONTRACT)

    async def me(request: Request) -> Response:
        who = caller(request)
        if who is None:
            return JSONResponse({"error": "Unauthorized"}, 401)
        if request.method == "PATCH":
            body = await request.json()
            if isinstance(body.get("display_name"), str):
                users[who]["display_name"] = body["display_name"][:40]
        return JSONResponse(shown(who))

    async def every(request: Request) -> Response:
        if caller(request) is None:
            return JSONResponse({"error": "Unauthorized"}, 401)
        return JSONResponse([{"display_name": u["display_name"]} for u in users.values()])

    return Starlette(
        routes=[
            Route("/openapi.json", contract),
            Route("/users/me", me, methods=["GET", "PATCH"]),
            Route("/admin/users", every),
        ]
    )


def test_an_admin_list_read_around_a_rename_is_found(tmp_path: Path) -> None:
    """bfla reports GET /admin/users; every account is as it was."""
    users = copy.deepcopy(USERS)
    with serving(app_of(users)) as url:
        result, report = scan_with_identities(
            url, IDENTITIES, tmp_path, "--checks", "auth_bypass,bfla"
        )
    assert result.returncode in {0, 1}, result.stdout[-3000:] + result.stderr[-3000:]
    renamed = [r for r in report["tables"]["requests"] if r["operation"] == "PATCH /users/me"]
    assert renamed, "no rename was sent: nothing changed between the reads"
    found = {f["operation"] for f in report["findings"] if f["check"] == "bfla"}
    assert "GET /admin/users" in found
    assert users == USERS
