"""cors, security_headers, error_disclosure, trace_method, version_disclosure on tiny APIs."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from tiny_support import app, caller, operation, scan_app

from apiward.core.findings import (
    Exchange,
    Finding,
    RecordedRequest,
    RecordedResponse,
    Severity,
)
from apiward.scan.checks.cors import Cors
from apiward.scan.checks.errors import ErrorDisclosure, signature
from apiward.scan.checks.headers import SecurityHeaders
from apiward.scan.checks.trace_method import TraceMethod
from apiward.scan.checks.version_disclosure import VersionDisclosure, disclosed
from apiward.scan.request import Request as ScanRequest
from apiward.scan.transport import Reply

JAVA = (
    'Exception in thread "main" java.lang.NumberFormatException: For input string\n'
    "\tat com.shop.Orders.parse(Orders.java:42)\n"
)
PATHS = {
    "/orders/{order_id}": {
        "get": operation(
            {"type": "object", "properties": {"id": {"type": "integer"}}},
            parameters=[
                {"name": "order_id", "in": "path", "required": True, "schema": {"type": "integer"}}
            ],
        )
    },
    "/profile": {"get": operation({"type": "object", "properties": {"name": {"type": "string"}}})},
}
CHECKS: list[Any] = [
    Cors(),
    SecurityHeaders(),
    ErrorDisclosure(),
    TraceMethod(),
    VersionDisclosure(),
]


def _shop(*, careless: bool) -> Any:
    def finish(request: Request, response: Response) -> Response:
        origin = request.headers.get("origin")
        if careless and origin == "null":  # allows only "null", a different shape than echoing all
            response.headers["access-control-allow-origin"] = origin
            response.headers["access-control-allow-credentials"] = "true"
        if careless:
            response.headers["x-powered-by"] = "PHP/7.4.3"
        else:
            response.headers["cache-control"] = "no-store"
            response.headers["x-content-type-options"] = "nosniff"
        return response

    async def order(request: Request) -> Response:
        if caller(request) is None:
            return finish(request, JSONResponse({"detail": "no"}, status_code=401))
        raw = request.path_params["order_id"]
        if not raw.isdigit():
            body = JAVA if careless else "invalid order id"
            return finish(request, PlainTextResponse(body, status_code=500 if careless else 400))
        return finish(request, JSONResponse({"id": int(raw)}))

    async def profile(request: Request) -> Response:
        if caller(request) is None:
            return finish(request, JSONResponse({"detail": "no"}, status_code=401))
        return finish(request, JSONResponse({"name": "Alice Liddell"}))

    async def trace(request: Request) -> Response:
        echoed = "".join(f"{k}: {v}\n" for k, v in request.headers.items())
        return PlainTextResponse(echoed if careless else "", status_code=200 if careless else 405)

    routes = [
        Route("/orders/{order_id}", order),
        Route("/profile", profile),
        Route("/", trace, methods=["TRACE", "TRACK", "GET"]),
    ]
    return app(PATHS, routes)


@pytest.fixture(scope="module")
def careless() -> dict[str, list[Finding]]:
    """Findings by check on a shop with every misconfiguration in its own shape."""
    results = scan_app(_shop(careless=True), CHECKS)
    by_check: dict[str, list[Finding]] = {}
    for finding in results.findings:
        by_check.setdefault(finding.check, []).append(finding)
    return by_check


def test_cors_null_origin_with_credentials(careless: dict[str, list[Finding]]) -> None:
    """An API that allows Origin: null with credentials is found (bearer auth: medium)."""
    keys = {f.operation for f in careless["cors"]}
    assert keys == {"GET /orders/{order_id}", "GET /profile"}
    assert all("null" in f.title and f.severity is Severity.MEDIUM for f in careless["cors"])


def test_security_headers_one_finding_listing_operations(
    careless: dict[str, list[Finding]],
) -> None:
    """One low finding for the API, naming both sensitive operations and both headers."""
    [finding] = careless["security_headers"]
    assert finding.severity is Severity.LOW
    assert "GET /orders/{order_id}" in finding.detail
    assert "GET /profile" in finding.detail
    assert finding.key == "Cache-Control: no-store,X-Content-Type-Options: nosniff"


def test_java_stack_trace_on_a_string_for_an_integer(careless: dict[str, list[Finding]]) -> None:
    """A string where the contract says integer brings a Java stack: medium, keyed by the parameter."""
    [finding] = careless["error_disclosure"]
    assert finding.operation == "GET /orders/{order_id}"
    assert finding.key == "order_id"
    assert finding.severity is Severity.MEDIUM


def test_trace_echo_and_versioned_banner(careless: dict[str, list[Finding]]) -> None:
    """TRACE echoing the request is low; X-Powered-By with a version is low."""
    assert careless["trace_method"][0].severity is Severity.LOW
    powered = [f for f in careless["version_disclosure"] if f.key == "X-Powered-By"]
    assert powered
    assert powered[0].severity is Severity.LOW


def test_careful_shop_has_nothing_above_info() -> None:
    """Allow-list CORS, generic errors, protective headers, no TRACE: only info (uvicorn's Server)."""
    results = scan_app(_shop(careless=False), CHECKS)
    assert [f.title for f in results.findings if f.severity > Severity.INFO] == []


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ('Traceback (most recent call last):\n  File "/app/x.py", line 3', "Python traceback"),
        ("    at Object.<anonymous> (/srv/app.js:10:5)", "Node stack"),
        ("You have an error in your SQL syntax near ''", "SQL error"),
        ("goroutine 1 [running]:", "Go panic"),
        ('{"detail": "order 12 not found"}', None),
        ("Internal Server Error", None),
    ],
    ids=["python", "node", "mysql", "go", "plain-404", "bare-500"],
)
def test_signatures(text: str, kind: str | None) -> None:
    """Leaked internals are named; an ordinary error (even a bare 500) is not a signature."""
    assert signature(text) == kind


def _json_reply(data: Any, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    request = ScanRequest(method="GET", path="/status", operation="GET /status")
    recorded = RecordedRequest(method="GET", url="http://127.0.0.1/status", headers=(), body="")
    body = json.dumps(data)
    answer = RecordedResponse(status=200, headers=(), body=body, elapsed_ms=1.0)
    exchange = Exchange(request=recorded, response=answer, note="")
    return Reply(exchange=exchange, status=200, text=body, headers=headers, sent=request)


@pytest.mark.parametrize(
    ("data", "shown"),
    [
        ({"status": "ok", "python_version": "3.8.2"}, "body python_version"),
        ({"data": {"server": {"db": "PostgreSQL 12.3 on x86_64"}}}, "body data.server.db"),
        ({"stack": {"runtime_version": "v18.12.1"}}, "body stack.runtime_version"),
        ({"about": "runs on Ubuntu 20.04 with Redis 6.0.9"}, "body about"),
    ],
    ids=["field-named-for-software", "nested-banner", "runtime-v-prefix", "prose-banner"],
)
def test_software_versions_in_json_bodies_are_disclosures(data: Any, shown: str) -> None:
    """A JSON field naming software with a version, or a product banner in a string, is shown."""
    assert shown in {key for key, _, versioned in disclosed(_json_reply(data)) if versioned}


@pytest.mark.parametrize(
    "data",
    [
        {"version": "2.1", "name": "Orders API"},
        {"api_version": "v3.0"},
        {"license": "Apache 2.0", "release": "1.4.2"},
        {"items": [{"price": 12.5, "sku": "A-1.2"}]},
    ],
    ids=["api-version", "api-version-field", "licence", "prices"],
)
def test_an_apis_own_version_and_ordinary_numbers_are_not(data: Any) -> None:
    """The API's own version, a licence name and prices disclose no software."""
    assert [key for key, _, _ in disclosed(_json_reply(data))] == []


def test_a_header_holding_only_a_number_names_no_software() -> None:
    """Rails' ``X-Runtime: 0.030771`` is how long the request took, not a version (the Rails
    trial's low false positive); ``X-Runtime: Ruby 3.1.2`` would be one."""
    timing = disclosed(_json_reply({}, (("x-runtime", "0.030771"),)))
    assert list(timing) == []
    named = disclosed(_json_reply({}, (("x-runtime", "Ruby 3.1.2"),)))
    assert [(key, versioned) for key, _, versioned in named] == [("X-Runtime", True)]
