"""mass_assignment: the write's own enum bounds a probe's value, whatever its answer declares.

The NestJS trial's ``PATCH /v1/orgs/{orgId}/members/{userId}`` takes ``role`` of owner,
manager or member, and answers the user, whose ``role`` may also be ``admin``: a platform
admin's ``GET /v1/users/me`` shows it. The probe took the answer's schema and the observed
``admin``, was refused 400, and the missing role check (any member makes itself owner)
went unreported. The probe now sends a value the write takes.
"""

from __future__ import annotations

from typing import Any

from ownership_support import scan_app
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from apiward.core.findings import Severity
from apiward.scan.checks.mass_assignment import MassAssignment
from apiward.scan.identities import Identity
from serving import serving

ORG = "a1c0e000-0000-4000-8000-00000000a0a0"
PEOPLE = {
    "u-ada": {"id": "u-ada", "name": "Ada", "role": "admin", "orgId": None},
    "u-ola": {"id": "u-ola", "name": "Ola", "role": "owner", "orgId": ORG},
    "u-mia": {"id": "u-mia", "name": "Mia", "role": "member", "orgId": ORG},
    "u-max": {"id": "u-max", "name": "Max", "role": "member", "orgId": ORG},
}
IDENTITIES = tuple(
    Identity(name=key[2:], role=user["role"], headers={"Authorization": f"Bearer {key}"})
    for key, user in PEOPLE.items()
)
_USER = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "role": {"type": "string", "enum": ["admin", "owner", "manager", "member"]},
        "orgId": {"type": "string", "nullable": True},
    },
}
_UPDATE = {
    "type": "object",
    "required": ["role"],
    "properties": {"role": {"type": "string", "enum": ["owner", "manager", "member"]}},
}
_P = {"in": "path", "required": True, "schema": {"type": "string"}}
_ONE = {"200": {"description": "the user", "content": {"application/json": {"schema": _USER}}}}
SPEC: dict[str, Any] = {
    "openapi": "3.0.0",
    "info": {"title": "orgs", "version": "1"},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "paths": {
        "/v1/users/me": {"get": {"responses": _ONE}},
        "/v1/orgs/{orgId}/members": {
            "parameters": [{"name": "orgId", **_P}],
            "get": {"responses": {"200": {"description": "the members"}}},
        },
        "/v1/orgs/{orgId}/members/{userId}": {
            "parameters": [{"name": "orgId", **_P}, {"name": "userId", **_P}],
            "patch": {
                "requestBody": {"content": {"application/json": {"schema": _UPDATE}}},
                "responses": _ONE,
            },
        },
    },
}


def _app() -> Starlette:
    people = {k: dict(v) for k, v in PEOPLE.items()}

    def caller(request: Request) -> dict[str, Any] | None:
        return people.get(request.headers.get("authorization", "").removeprefix("Bearer "))

    async def me(request: Request) -> Response:
        user = caller(request)
        return JSONResponse(user) if user else _error(401, "Unauthorized")

    async def members(request: Request) -> Response:
        user = caller(request)
        if user is None or user["orgId"] != request.path_params["orgId"]:
            return _error(403, "Forbidden resource")
        rows = [u for u in people.values() if u["orgId"] == user["orgId"]]
        return JSONResponse({"data": rows, "meta": {"total": len(rows)}})

    async def member(request: Request) -> Response:
        user = caller(request)
        if user is None or user["orgId"] != request.path_params["orgId"]:
            return _error(403, "Forbidden resource")
        target = people.get(request.path_params["userId"])
        if target is None or target["orgId"] != user["orgId"]:
            return _error(404, "Member not found")
        role = (await request.json()).get("role")
        if role not in ("owner", "manager", "member"):
            return _error(400, ["role must be one of the following values: owner, manager, member"])
        target["role"] = role  # no check of the caller's own role: the flaw
        return JSONResponse(target)

    return Starlette(
        routes=[
            Route("/openapi.json", lambda r: JSONResponse(SPEC)),
            Route("/v1/users/me", me),
            Route("/v1/orgs/{orgId}/members", members),
            Route("/v1/orgs/{orgId}/members/{userId}", member, methods=["PATCH"]),
        ]
    )


def _error(status: int, message: object) -> Response:
    return JSONResponse({"statusCode": status, "message": message}, status)


def test_a_member_making_itself_owner_is_found_with_a_role_the_write_takes() -> None:
    """The member's own role set to manager or owner sticks: high; admin is never sent."""
    with serving(_app()) as url:
        results = scan_app(url, MassAssignment(), IDENTITIES)
    found = [
        f
        for f in results.findings
        if f.operation == "PATCH /v1/orgs/{orgId}/members/{userId}"
        and f.severity >= Severity.MEDIUM
    ]
    assert found, (results.findings, results.skipped)
    sent = [e.request.body for f in found for e in f.evidence if e.request is not None]
    assert not any('"admin"' in (body or "") for body in sent), sent
