"""shadow_endpoints asks again, as the identity of least reach, what a login guards.

A help desk written the Starlette way documents its tickets and its agents' own page. Its
sloppy build also serves ``/api/internal/users`` (every account, e-mail and role) to any
signed-in agent; the tidy build keeps it for staff. Some apps route before they
authenticate (an unknown path is 404, the internal one 401); others authenticate first, so
that anonymously every path, nonsense too, is 401: the scan then probes as the agent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from ownership_support import scan_app
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from apiward.core.findings import Severity
from apiward.scan import Identity
from apiward.scan.checks.shadow import ShadowEndpoints

PEOPLE = {"Bearer hd-ann": ("ann", "agent"), "Bearer hd-sue": ("sue", "staff")}
IDENTITIES = tuple(
    Identity(name=name, role=role, headers={"Authorization": token})
    for token, (name, role) in PEOPLE.items()
)
ACCOUNTS = [
    {"id": 1, "email": "ann@desk.example", "role": "agent", "phone": "+44 20 7946 0001"},
    {"id": 2, "email": "sue@desk.example", "role": "staff", "phone": "+44 20 7946 0002"},
]
_OK = {"200": {"description": "ok", "content": {"application/json": {"schema": {}}}}}
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "help desk", "version": "2"},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "paths": {
        "/api/tickets": {"get": {"responses": _OK}},
        "/api/me": {"get": {"responses": _OK}},
    },
}


def _desk(*, sloppy: bool, authenticate_first: bool) -> Starlette:
    def caller(request: Request) -> tuple[str, str]:
        found = PEOPLE.get(request.headers.get("authorization", ""))
        if found is None:
            raise HTTPException(401, "Authentication credentials were not provided.")
        return found

    async def contract(request: Request) -> JSONResponse:
        return JSONResponse(CONTRACT)

    async def tickets(request: Request) -> JSONResponse:
        name, _ = caller(request)
        return JSONResponse([{"id": 7, "subject": f"{name}'s printer", "status": "open"}])

    async def me(request: Request) -> JSONResponse:
        name, role = caller(request)
        return JSONResponse({"name": name, "role": role})

    async def internal_users(request: Request) -> JSONResponse:
        _, role = caller(request)
        if role != "staff" and not sloppy:
            raise HTTPException(403, "Staff only.")
        return JSONResponse(ACCOUNTS)

    async def not_found(request: Request, exc: Exception) -> JSONResponse:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        detail = exc.detail if isinstance(exc, HTTPException) else "Internal Server Error"
        return JSONResponse({"status_code": status, "detail": detail}, status_code=status)

    app = Starlette(
        routes=[
            Route("/openapi.json", contract),
            Route("/api/tickets", tickets),
            Route("/api/me", me),
            Route("/api/internal/users", internal_users),
        ],
        exception_handlers={HTTPException: not_found},
    )
    if not authenticate_first:
        return app

    async def gate(scope: Any, receive: Any, send: Any) -> None:
        headers = dict(scope.get("headers", []))
        if (
            scope["type"] == "http"
            and scope["path"] != "/openapi.json"
            and headers.get(b"authorization", b"").decode() not in PEOPLE
        ):
            body = JSONResponse({"status_code": 401, "detail": "Not authenticated"}, 401)
            await body(scope, receive, send)
            return
        await app(scope, receive, send)

    return gate  # type: ignore[return-value]


@pytest.mark.parametrize("authenticate_first", [False, True], ids=["routes-first", "auth-first"])
@pytest.mark.parametrize("sloppy", [True, False], ids=["sloppy", "tidy"])
def test_an_internal_listing_any_agent_reads_is_found_behind_the_login(
    serve: Callable[..., Any], sloppy: bool, authenticate_first: bool
) -> None:
    """The sloppy desk's /api/internal/users, read as ann, is high; the tidy desk is silent."""
    server = serve(_desk(sloppy=sloppy, authenticate_first=authenticate_first))
    results = scan_app(server.url, ShadowEndpoints(), IDENTITIES)
    found = {f.key: f for f in results.findings if f.severity >= Severity.MEDIUM}
    assert results.errors == []
    if not sloppy:
        assert found == {}
        return
    assert list(found) == ["/api/internal/users"]
    finding = found["/api/internal/users"]
    assert finding.severity is Severity.HIGH
    assert "to ann (agent), the identity of least reach" in finding.detail
    assert finding.evidence[-1].request.headers  # sent with ann's credentials, shown redacted
