"""ip_allowlist: an internal-only read that believes a client-sent X-Forwarded-For."""

from __future__ import annotations

import ipaddress
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tiny_support import IDENTITIES, app, caller, operation, scan_app

from apiward.core.findings import Severity
from apiward.scan.checks.ip_allowlist import IpAllowList

OFFICE = ipaddress.ip_network("10.0.0.0/8")
PATHS = {
    "/internal/metrics": {"get": operation({"type": "object"}, secured=False)},
    "/me": {"get": operation({"type": "object"})},
}


def _ops_api(*, trusts_header: bool) -> Any:
    """Metrics for the office network only; the careless twin reads the address from XFF."""

    def client_address(request: Request) -> str:
        forwarded = request.headers.get("x-forwarded-for")
        if trusts_header and forwarded:
            return forwarded.split(",")[0].strip()
        return request.client.host if request.client else ""

    async def metrics(request: Request) -> Response:
        if ipaddress.ip_address(client_address(request)) not in OFFICE:
            raise HTTPException(403)  # Starlette's default plain-text "Forbidden"
        return JSONResponse({"requests_total": 1234, "db_pool": {"in_use": 3}})

    async def me(request: Request) -> Response:
        who = caller(request)
        if who is None:
            raise HTTPException(401)
        return JSONResponse({"name": who})

    return app(PATHS, [Route("/internal/metrics", metrics), Route("/me", me)])


def test_a_forwarding_header_that_lifts_the_allow_list_is_found() -> None:
    """Claiming an office address in X-Forwarded-For opens metrics; a public address does not."""
    web = _ops_api(trusts_header=True)
    results = scan_app(web, [IpAllowList()], identities=IDENTITIES, proxy_headers=False)
    [finding] = results.findings
    assert finding.operation == "GET /internal/metrics"
    assert (finding.severity, finding.cwe) == (Severity.HIGH, "CWE-290")
    assert finding.key == "header:X-Forwarded-For"
    assert results.errors == []


def test_silent_when_the_allow_list_uses_the_connection_address() -> None:
    """The twin that ignores client headers (uvicorn --no-proxy-headers) stays refused."""
    web = _ops_api(trusts_header=False)
    results = scan_app(web, [IpAllowList()], identities=IDENTITIES, proxy_headers=False)
    assert results.findings == []
    assert results.errors == []
