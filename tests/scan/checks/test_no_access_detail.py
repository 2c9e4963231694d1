"""A skip for "no identity gets a 2xx" says what each identity got, so the API's own reason shows."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route
from tiny_support import app, operation, scan_app

from apiward.scan.check import SkipReason
from apiward.scan.checks.auth_bypass import AuthBypass


async def _expenses(_: Request) -> Response:
    page = "<html><title>400: Bad Request (title: letters only)</title><body>…</body></html>"
    return HTMLResponse(page, 400)


def test_a_rule_the_contract_does_not_state_shows_in_the_skip() -> None:
    """Every legitimate POST /expenses gets 400 for a title rule: the skip quotes the page's title."""
    body = {"type": "object", "properties": {"title": {"type": "string"}}}
    create = {
        **operation({"type": "object"}),
        "requestBody": {"content": {"application/json": {"schema": body}}},
    }
    web = app({"/expenses": {"post": create}}, [Route("/expenses", _expenses, methods=["POST"])])
    results = scan_app(web, [AuthBypass()])
    [skip] = [s for s in results.skipped if s.check == "auth_bypass"]
    assert skip.reason == str(SkipReason.NO_ACCESS)
    assert "alice: 400 (400: Bad Request (title: letters only))" in skip.detail
    assert "bob: 400" in skip.detail
