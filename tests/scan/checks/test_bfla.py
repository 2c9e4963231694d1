"""bfla: lower roles reaching operations of higher roles, shown by effect, never by name alone."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest
from ownership_support import scan_app, scan_demo_with
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from apiward.core.findings import Confidence, Severity
from apiward.demo import load_ground_truth
from apiward.scan import Identity, Results
from apiward.scan.check import SkipReason
from apiward.scan.checks._privilege import tier
from apiward.scan.checks.bfla import Bfla

# The planted DELETE of a real promo code is only observable by deleting one the scan did not
# create: the engine never sends that (scan.destructive), and says so.
PLANTED = [f for f in load_ground_truth() if f.owasp == "API5" and f.method != "DELETE"]
DELETE_PROMO = "DELETE /api/v2/promo-codes/{code}"
EXPECTED = {
    "bfla-admin-list-users": (Severity.HIGH, Confidence.FIRM),
    "bfla-admin-set-role": (Severity.HIGH, Confidence.CONFIRMED),
}


@pytest.fixture(scope="module")
def vulnerable() -> Results:
    """The vulnerable bank scanned with bfla alone."""
    return scan_demo_with(Bfla(), fixed=False)


@pytest.fixture(scope="module")
def fixed() -> Results:
    """The fixed bank scanned with bfla alone."""
    return scan_demo_with(Bfla(), fixed=True)


def _found(results: Results) -> dict[str, Any]:
    return {f.operation or "": f for f in results.findings if f.check == "bfla"}


@pytest.mark.parametrize("flaw", PLANTED, ids=[f.id for f in PLANTED])
def test_finds_every_planted_bfla(vulnerable: Results, flaw: Any) -> None:
    """Each planted BFLA is a finding on its operation, as strong as its evidence."""
    finding = _found(vulnerable).get(flaw.operation)
    assert finding is not None, sorted(_found(vulnerable))
    assert (finding.severity, finding.confidence) == EXPECTED[flaw.id]
    assert finding.owasp == "API5:2023"


def test_only_the_planted_operations(vulnerable: Results) -> None:
    """Nothing else on the vulnerable bank is called a BFLA (customers' own operations are theirs)."""
    assert set(_found(vulnerable)) == {f.operation for f in PLANTED}
    assert vulnerable.errors == []


def test_a_delete_of_an_object_the_scan_did_not_create_is_never_sent(vulnerable: Results) -> None:
    """Deleting a seeded promo code is not tried: the pair is skipped as destructive, with why."""
    skips = [s for s in vulnerable.skipped if s.operation == DELETE_PROMO and s.check == "bfla"]
    assert [s.reason for s in skips] == [SkipReason.DESTRUCTIVE.value]
    assert "the DELETE method" in skips[0].detail


def test_role_change_is_read_back_and_restored(vulnerable: Results) -> None:
    """The self-promotion is shown by a read-back and undone afterwards."""
    finding = _found(vulnerable)["PUT /api/v2/admin/users/{username}/role"]
    assert "(restored)" in finding.detail
    assert finding.key == "body:role"
    assert len(finding.evidence) == 3


def test_silent_on_the_fixed_bank(fixed: Results) -> None:
    """The fixed bank checks roles: no finding at all (support reading the user list is its policy)."""
    assert _found(fixed) == {}
    assert fixed.errors == []


def test_safe_mode_skips_write_probes_and_says_so() -> None:
    """Under --safe the role change and the delete are not tried, with the reason; reads still are."""
    results = scan_demo_with(Bfla(), fixed=False, safe=True)
    assert set(_found(results)) == {"GET /api/v2/admin/users"}
    unsafe = {s.operation for s in results.skipped if s.reason == SkipReason.UNSAFE.value}
    assert "PUT /api/v2/admin/users/{username}/role" in unsafe


def _token(sub: str, scope: str) -> str:
    payload = base64.urlsafe_b64encode(json.dumps({"sub": sub, "scope": scope}).encode())
    return f"e30.{payload.decode().rstrip('=')}.sig"


TOKENS = {_token("vic", "read"): "read", _token("olga", "read admin"): "read admin"}
_OAUTH = [{"oauth": ["read"]}]


def _contract() -> dict[str, Any]:
    listing = {"200": {"description": "ok"}, "401": {"description": "no token"}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "projects", "version": "1"},
        "components": {
            "securitySchemes": {
                "oauth": {
                    "type": "oauth2",
                    "flows": {
                        "clientCredentials": {
                            "tokenUrl": "/token",
                            "scopes": {"read": "read", "admin": "administer"},
                        }
                    },
                }
            }
        },
        "paths": {
            "/projects": {"get": {"security": _OAUTH, "responses": listing}},
            "/audit-log": {"get": {"security": [{"oauth": ["admin"]}], "responses": listing}},
        },
    }


def _projects(*, vulnerable: bool) -> Starlette:
    """OAuth scopes in the contract and the token; the audit log needs 'admin'."""

    def caller(request: Request) -> str | None:
        return TOKENS.get(request.headers.get("authorization", "").removeprefix("Bearer "))

    async def projects(request: Request) -> JSONResponse:
        if caller(request) is None:
            return JSONResponse({"detail": "no token"}, 401)
        return JSONResponse([{"id": 1, "name": "apollo"}])

    async def audit(request: Request) -> JSONResponse:
        scopes = caller(request)
        if scopes is None:
            return JSONResponse({"detail": "no token"}, 401)
        if not vulnerable and "admin" not in scopes.split():
            return JSONResponse({"detail": "needs admin"}, 403)
        return JSONResponse([{"actor": "carol", "action": "deleted project 2"}])

    async def contract(request: Request) -> JSONResponse:
        return JSONResponse(_contract())

    routes = [
        Route("/projects", projects),
        Route("/audit-log", audit),
        Route("/openapi.json", contract),
    ]
    return Starlette(routes=routes)


def _people() -> tuple[Identity, ...]:
    vic, olga = TOKENS
    return (
        Identity(name="vic", role="viewer", headers={"Authorization": f"Bearer {vic}"}),
        Identity(name="olga", role="owner", headers={"Authorization": f"Bearer {olga}"}),
    )


@pytest.mark.parametrize(
    ("vulnerable", "expected"), [(True, 1), (False, 0)], ids=["vulnerable", "safe"]
)
def test_scopes_the_token_lacks_on_a_small_api(
    serve: Callable[[Any], Any], vulnerable: bool, expected: int
) -> None:
    """An operation requiring a scope the viewer's token lacks, answered to the viewer, is a finding."""
    server = serve(_projects(vulnerable=vulnerable))
    results = scan_app(server.url, Bfla(), _people())
    found = _found(results)
    assert len(found) == expected, found
    assert results.errors == []
    if vulnerable:
        finding = found["GET /audit-log"]
        assert finding.severity is Severity.MEDIUM
        assert "scope admin" in finding.detail


@pytest.mark.parametrize(
    ("role", "expected"),
    [("admin", 3), ("superuser", 3), ("support", 2), ("customer", 1), ("", 1), ("viewer", 0)],
    ids=["admin", "superuser", "support", "customer", "none", "viewer"],
)
def test_role_names_break_ties_in_reach(role: str, expected: int) -> None:
    """Role names only order identities whose reach is the same."""
    assert tier(role) == expected
