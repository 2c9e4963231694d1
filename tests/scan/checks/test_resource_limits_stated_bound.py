"""resource_limits: a page size bounded only in words, and an answer that says which page it served.

The Fastify trial's ``limit`` had no ``maximum``, only "Page size (max 100)" in its
description, and the caller held 28 bookings: the pages at 100 and at 1000 held the same
28, and the check said nothing. The answer said more: ``meta.limit: 1000``. A Flask
calendar with the same contract; the flawed twin serves any page size, the fixed one
clamps it to 100 and says so.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, request
from flask.typing import ResponseReturnValue
from tests.conftest import scan_with_identities

from apiward.core.findings import Severity
from apiward.scan.checks._page_bounds import stated_maximum
from apiward.scan.checks.resource_limits import ResourceLimits
from serving import serving

IDENTITIES = """\
identities:
  - {name: alice, role: member, headers: {Authorization: Bearer cal-alice-3}}
"""
BOOKINGS = [
    {"id": f"bk_{n:04d}", "room": "Loft", "day": f"2027-01-{n % 28 + 1:02d}"} for n in range(28)
]
SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "calendar", "version": "2.0.0"},
    "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearerAuth": []}],
    "paths": {
        "/v2/me/bookings": {
            "get": {
                "summary": "My bookings",
                "parameters": [
                    {
                        "name": "limit",
                        "in": "query",
                        "description": "Page size (max 100)",
                        "schema": {"type": "integer", "minimum": 1, "default": 10},
                    },
                    {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                ],
                "responses": {"200": {"description": "a page of bookings"}},
            }
        }
    },
}


def _app(*, flawed: bool) -> Flask:
    app = Flask("calendar")
    app.add_url_rule("/openapi.json", "spec", lambda: SPEC)

    @app.get("/v2/me/bookings")
    def bookings() -> ResponseReturnValue:
        if request.headers.get("Authorization") != "Bearer cal-alice-3":
            return {"statusCode": 401, "error": "Unauthorized", "message": "No token"}, 401
        limit = request.args.get("limit", 10, type=int)
        limit = limit if flawed else min(limit, 100)
        page = BOOKINGS[:limit]
        return {"data": page, "meta": {"limit": limit, "next_cursor": None}}

    return app


def test_a_bound_stated_in_words_is_read() -> None:
    """ "max 100", "at most 50", "up to 25 items": the largest bound named."""
    assert stated_maximum("Page size (max 100)") == 100
    assert stated_maximum("", "Results per page, at most 50.") == 50
    assert stated_maximum("Up to 25 items; default 10") == 25
    assert stated_maximum("Page size") is None


@pytest.mark.parametrize("flawed", [True, False], ids=["flawed", "fixed"])
def test_a_page_beyond_the_stated_bound_is_found_by_what_the_answer_says(
    flawed: bool, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """limit=1000 served and echoed is a medium finding; clamped to 100 and said so, none."""
    with serving(_app(flawed=flawed), wsgi=True) as url:
        folder = tmp_path_factory.mktemp("calendar")
        done, report = scan_with_identities(url, IDENTITIES, folder, "--checks", ResourceLimits.id)
    assert done.returncode in {0, 1}, done.stdout[-3000:]
    found = [f for f in report["findings"] if f["check"] == ResourceLimits.id]
    if not flawed:
        assert not found, found
        return
    [finding] = found
    assert finding["severity"] == Severity.MEDIUM.value
    assert "the maximum 100 its description states" in finding["detail"], finding["detail"]
