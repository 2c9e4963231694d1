"""deprecated_operation, old_versions, shadow_endpoints and debug_endpoints on tiny APIs."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from tiny_support import app, caller, operation, scan_app

from apiward.core.findings import Finding, Severity
from apiward.scan.checks.inventory import DeprecatedOperation, OldVersions
from apiward.scan.checks.shadow import DebugEndpoints, ShadowEndpoints

ORDER = {"type": "array", "items": {"type": "object", "properties": {"sku": {"type": "string"}}}}
PATHS = {
    "/shop/v3/orders": {"get": operation(ORDER)},
    "/shop/v2/orders": {"get": operation(ORDER, deprecated=True)},
}
ORDERS = [
    {"sku": "tea-01", "buyer_email": "a@example.com"},
    {"sku": "mug-02", "buyer_email": "b@example.com"},
]
CHECKS: list[Any] = [DeprecatedOperation(), OldVersions(), ShadowEndpoints(), DebugEndpoints()]


def _shop(*, sloppy: bool) -> Any:
    async def current(request: Request) -> Response:
        if caller(request) is None:
            return JSONResponse({"detail": "no"}, status_code=401)
        return JSONResponse([{"sku": o["sku"]} for o in ORDERS])

    async def old(request: Request) -> Response:
        if not sloppy:
            return JSONResponse({"detail": "gone"}, status_code=410)
        return JSONResponse([{"sku": o["sku"]} for o in ORDERS])  # no auth check at all

    async def dump(_: Request) -> Response:
        return JSONResponse(ORDERS)

    async def env(_: Request) -> Response:
        return JSONResponse({"DB_PASSWORD": "hunter2-prod", "SIGNING_SECRET": "k8Rt2LpX9qWz4NvB7m"})

    async def docs(_: Request) -> Response:  # a fuller document than the one given to the scan
        paths = {**PATHS, "/shop/v3/admin/refunds": {"post": {"responses": {"200": {}}}}}
        return JSONResponse(
            {"openapi": "3.1.0", "info": {"title": "t", "version": "3"}, "paths": paths}
        )

    async def shell(_: Request) -> Response:  # a single-page app answers every path with 200
        return HTMLResponse("<html><body><div id=app></div></body></html>")

    routes = [Route("/shop/v3/orders", current), Route("/shop/v2/orders", old)]
    if sloppy:
        routes += [
            Route("/shop/v1/orders", old),
            Route("/shop/v3/private/orders/export", dump),
            Route("/shop/v3/actuator/env", env),
            Route("/shop/v3/api-docs", docs),
        ]
    return app(PATHS, routes, catch_all=shell)


@pytest.fixture(scope="module")
def sloppy() -> dict[str, Finding]:
    """Findings by operation on a shop with zombie versions, a private dump and an env page."""
    results = scan_app(_shop(sloppy=True), CHECKS)
    return {f.operation or "": f for f in results.findings}


def test_deprecated_operation_answering_anonymously_is_high(sloppy: dict[str, Finding]) -> None:
    """The deprecated v2 answers without a token while v3 refuses: high."""
    finding = sloppy["GET /shop/v2/orders"]
    assert finding.check == "deprecated_operation"
    assert finding.severity is Severity.HIGH


def test_undocumented_older_version_is_found(sloppy: dict[str, Finding]) -> None:
    """/shop/v1/orders is not in the contract and answers like v3: an old_versions finding."""
    assert sloppy["GET /shop/v1/orders"].check == "old_versions"


def test_shadow_dump_of_people_is_high(sloppy: dict[str, Finding]) -> None:
    """The private dump of orders with buyers' emails, built from prefix + resource: high."""
    finding = sloppy["GET /shop/v3/private/orders/export"]
    assert (finding.check, finding.severity) == ("shadow_endpoints", Severity.HIGH)


def test_debug_env_with_secrets_is_high(sloppy: dict[str, Finding]) -> None:
    """actuator/env showing secrets is a high debug_endpoints finding (API8)."""
    finding = sloppy["GET /shop/v3/actuator/env"]
    assert (finding.check, finding.owasp, finding.severity) == (
        "debug_endpoints",
        "API8:2023",
        Severity.HIGH,
    )


def test_catch_all_pages_are_not_endpoints(sloppy: dict[str, Finding]) -> None:
    """The SPA shell every unknown path gets is fingerprinted: no other path is reported."""
    assert set(sloppy) == {
        "GET /shop/v2/orders",
        "GET /shop/v1/orders",
        "GET /shop/v3/private/orders/export",
        "GET /shop/v3/actuator/env",
        "GET /shop/v3/api-docs",
    }


def test_the_contract_served_is_not_a_shadow_endpoint(sloppy: dict[str, Finding]) -> None:
    """/openapi.json serves the very contract scanned: nothing undocumented, no finding."""
    assert "GET /openapi.json" not in sloppy


def test_a_served_document_naming_more_operations_is_reported(sloppy: dict[str, Finding]) -> None:
    """A document listing operations the contract lacks names them: medium."""
    finding = sloppy["GET /shop/v3/api-docs"]
    assert finding.severity is Severity.MEDIUM
    assert "POST /shop/v3/admin/refunds" in finding.detail


def test_tidy_shop_has_nothing() -> None:
    """Deprecated v2 answering 410, no old or hidden paths, its own contract served: nothing."""
    results = scan_app(_shop(sloppy=False), CHECKS)
    assert [f.operation for f in results.findings] == []
