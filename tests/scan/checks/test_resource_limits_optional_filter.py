"""resource_limits: an optional filter the harvest fills in must not keep every page short.

The Express trial's member directory, ``GET /members?clubId=&limit=`` ("Page size (max 50)"),
served any page size. The scan's legitimate request carried a club it had seen (``clubId``
is optional, but an id-like name the harvest fills): that club had a handful of members, so
the pages at 50 and at 1000 held the same few, there was nothing the caller could create to
fill one, and the check said nothing. The page size is now also asked of the listing without
its optional filters, and the finding rests on that answer. The flawed twin below honours
any ``limit``; the fixed one clamps it to 50.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, request
from flask.typing import ResponseReturnValue
from tests.conftest import scan_with_identities

from apiward.core.findings import Severity
from apiward.scan.checks.resource_limits import ResourceLimits
from serving import serving

IDENTITIES = """\
identities:
  - {name: alice, role: member, headers: {Authorization: Bearer ironclub-alice}}
"""
CLUBS = [{"id": 1, "name": "Ironworks"}, {"id": 2, "name": "Harbour Rowing"}]
MEMBERS = [
    {"id": n, "clubId": 1 if n <= 4 else 2, "displayName": f"member {n}"} for n in range(1, 131)
]


def _spec() -> dict[str, Any]:
    ok = {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Ironclub directory", "version": "1.0.0"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
            "/clubs": {"get": {"summary": "List clubs", "responses": {"200": ok}}},
            "/members": {
                "get": {
                    "summary": "Member directory",
                    "parameters": [
                        {"name": "clubId", "in": "query", "schema": {"type": "integer"}},
                        {
                            "name": "limit",
                            "in": "query",
                            "description": "Page size (max 50)",
                            "schema": {"type": "integer", "default": 20},
                        },
                    ],
                    "responses": {"200": ok},
                }
            },
        },
    }


def _app(*, flawed: bool) -> Flask:
    app = Flask("directory")
    app.add_url_rule("/openapi.json", "spec", _spec)

    @app.before_request
    def signed_in() -> ResponseReturnValue | None:
        if request.path == "/openapi.json":
            return None
        if request.headers.get("Authorization") != "Bearer ironclub-alice":
            return {"error": "Unauthorized"}, 401
        return None

    @app.get("/clubs")
    def clubs() -> ResponseReturnValue:
        return {"clubs": CLUBS}

    @app.get("/members")
    def members() -> ResponseReturnValue:
        limit = request.args.get("limit", 20, type=int) or 20
        limit = limit if flawed else min(limit, 50)
        club = request.args.get("clubId", type=int)
        rows = [m for m in MEMBERS if club is None or m["clubId"] == club]
        return {"members": rows[:limit], "total": len(rows)}

    return app


@pytest.mark.parametrize("flawed", [True, False], ids=["flawed", "fixed"])
def test_a_page_size_is_judged_on_the_listing_without_its_optional_filter(
    flawed: bool, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """limit=1000 serves all 130 members past the stated 50: medium; clamped to 50, none."""
    with serving(_app(flawed=flawed), wsgi=True) as url:
        folder = tmp_path_factory.mktemp("directory")
        done, report = scan_with_identities(url, IDENTITIES, folder, "--checks", ResourceLimits.id)
    assert done.returncode in {0, 1}, done.stdout[-3000:]
    found = [
        f
        for f in report["findings"]
        if f["check"] == ResourceLimits.id and f["operation"] == "GET /members"
    ]
    if not flawed:
        assert not found, found
        return
    [finding] = found
    assert finding["severity"] == Severity.MEDIUM.value
    assert "the maximum 50 its description states" in finding["detail"], finding["detail"]
