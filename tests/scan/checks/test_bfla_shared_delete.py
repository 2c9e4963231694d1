"""bfla on a DELETE shown by effect, under --aggressive: a synchronous Falcon (WSGI) app.

Every member reads the subscription plans; retiring one is an admin's (its description
says so, its 403 is documented, the GET beside it documents none). An id that does not
exist gets "plan not found" whoever asks, so that proves nothing; the only proof is a
member retiring a real plan, which only ``--aggressive`` allows. The flawed app lets the
member do it: the admin's read of the plan goes from 200 to 404. The twin refuses, and
nothing is deleted. A default scan sends no such DELETE.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import falcon
import pytest
from ownership_support import key, scan_app

from apiward.core.findings import Confidence, Severity
from apiward.scan import Identity, Results
from apiward.scan.check import SkipReason
from apiward.scan.checks.bfla import Bfla

_SLUG = [{"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}]
_PLAN = {"content": {"application/json": {"schema": {"type": "object"}}}}
CONTRACT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "plans", "version": "1"},
    "components": {
        "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}
    },
    "security": [{"key": []}],
    "paths": {
        "/plans": {"get": {"responses": {"200": {"description": "all plans", **_PLAN}}}},
        "/plans/{slug}": {
            "parameters": _SLUG,
            "get": {"responses": {"200": {"description": "a plan", **_PLAN}}},
            "delete": {
                "summary": "Retire a plan",
                "description": "Admins only.",
                "responses": {
                    "204": {"description": "retired"},
                    "403": {"description": "not an admin"},
                },
            },
        },
    },
}
ROLES = {"key-ana": "member", "key-ben": "member", "key-cy": "admin"}


class _Plans:
    def __init__(self, *, checks_role: bool) -> None:
        self.checks_role = checks_role
        self.plans = {
            "starter": {"slug": "starter", "price": 5, "seats": 1},
            "team": {"slug": "team", "price": 25, "seats": 10},
        }

    def _role(self, req: falcon.Request) -> str:
        role = ROLES.get(req.get_header("X-API-Key") or "")
        if role is None:
            raise falcon.HTTPUnauthorized(title="API key required")
        return role

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        self._role(req)
        resp.media = {"plans": list(self.plans.values())}

    def on_get_plan(self, req: falcon.Request, resp: falcon.Response, slug: str) -> None:
        self._role(req)
        if slug not in self.plans:
            raise falcon.HTTPNotFound(description="plan not found")
        resp.media = self.plans[slug]

    def on_delete_plan(self, req: falcon.Request, resp: falcon.Response, slug: str) -> None:
        role = self._role(req)
        if slug not in self.plans:
            raise falcon.HTTPNotFound(description="plan not found")
        if self.checks_role and role != "admin":
            raise falcon.HTTPForbidden(description="not an admin")
        del self.plans[slug]
        resp.status = falcon.HTTP_204


class _Contract:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = CONTRACT


def _app(plans: _Plans) -> falcon.App:
    app = falcon.App()
    app.add_route("/openapi.json", _Contract())
    app.add_route("/plans", plans)
    app.add_route("/plans/{slug}", plans, suffix="plan")
    return app


def _people() -> tuple[Identity, ...]:
    cy = key("cy", "admin")
    return (
        key("ana", "member"),
        key("ben", "member"),
        Identity(name="cy", role="admin", rank=9, headers=cy.headers),
    )


def _scan(serve: Callable[..., Any], plans: _Plans, *, aggressive: bool) -> Results:
    server = serve(_app(plans), wsgi=True)
    return scan_app(server.url, Bfla(), _people(), aggressive=aggressive)


@pytest.mark.parametrize("checks_role", [False, True], ids=["flawed", "fixed"])
def test_a_member_retiring_a_real_plan_is_found_under_aggressive(
    serve: Callable[..., Any], checks_role: bool
) -> None:
    """The admin's read goes 200 -> 404 after the member's DELETE: high, confirmed; the twin keeps both plans."""
    plans = _Plans(checks_role=checks_role)
    results = _scan(serve, plans, aggressive=True)
    assert results.errors == []
    found = [f for f in results.findings if f.operation == "DELETE /plans/{slug}"]
    if checks_role:
        assert found == []
        assert len(plans.plans) == 2
        return
    [finding] = found
    assert (finding.severity, finding.confidence) == (Severity.HIGH, Confidence.CONFIRMED)
    answers = [e.response.status for e in finding.evidence if e.response]
    assert answers == [200, 200, 204, 404]
    assert len(plans.plans) == 1


def test_a_default_scan_deletes_nothing_and_says_why(serve: Callable[..., Any]) -> None:
    """Without --aggressive the DELETE is not sent (destructive), whatever the 404s would say."""
    plans = _Plans(checks_role=False)
    results = _scan(serve, plans, aggressive=False)
    assert [f for f in results.findings if f.operation == "DELETE /plans/{slug}"] == []
    skips = [s.reason for s in results.skipped if s.operation == "DELETE /plans/{slug}"]
    assert skips == [SkipReason.DESTRUCTIVE.value]
    assert len(plans.plans) == 2
