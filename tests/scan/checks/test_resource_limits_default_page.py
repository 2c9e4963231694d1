"""resource_limits: a page size with no maximum, honoured far past the API's own page.

Four blind trials planted an unbounded ``limit``/``per_page`` (APIFlask, hapi, Django Ninja,
Sanic: each with a default page of 20 and no maximum), and the scan called each low. A
listing that serves 1,000 rows to one request where its own page is 20 is the unrestricted
resource consumption OWASP's API4 describes: medium. With no page of its own to exceed (no
``default``, no size in its answers) the finding stays low, as before.
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
  - {name: alice, role: member, headers: {Authorization: Bearer page-alice}}
"""
ROWS = [{"id": i, "title": f"listing {i}"} for i in range(1, 161)]


def _contract(default: int | None) -> dict[str, Any]:
    limit: dict[str, Any] = {"type": "integer", "minimum": 1}
    if default is not None:
        limit["default"] = default
    return {
        "openapi": "3.0.3",
        "info": {"title": "listings", "version": "1"},
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": {"/listings": {"get": {
            "summary": "Listings",
            "parameters": [{"name": "limit", "in": "query", "schema": limit}],
            "responses": {"200": {"description": "OK"}}}}},
    }  # fmt: skip


def _app(default: int | None) -> Starlette:
    async def listings(request: Request) -> Response:
        if request.headers.get("authorization") != "Bearer page-alice":
            return JSONResponse({"message": "Unauthorized"}, 401)
        limit = int(request.query_params.get("limit") or 20)
        return JSONResponse({"items": ROWS[:limit]})

    contract = _contract(default)
    return Starlette(
        routes=[
            Route("/openapi.json", lambda r: JSONResponse(contract)),
            Route("/listings", listings),
        ]
    )


@pytest.mark.parametrize(("default", "severity"), [(20, "medium"), (None, "low")])
def test_an_unbounded_page_is_medium_past_the_apis_own_page(
    tmp_path: Path, default: int | None, severity: str
) -> None:
    """limit=1000 brings all 160 rows: medium where the API's own page is 20, else low."""
    with serving(_app(default)) as url:
        done, report = scan_with_identities(
            url, IDENTITIES, tmp_path, "--checks", "resource_limits"
        )
    assert done.returncode in (0, 1), done.stdout[-3000:] + done.stderr[-3000:]
    found = [(f["operation"], f["severity"]) for f in report["findings"]]
    assert found == [("GET /listings", severity)], report["findings"]
