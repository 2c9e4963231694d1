"""bfla on a read a sentence gives to admins, got by a middle role while the lowest is refused.

The Rails trial's ``GET /admin/users`` ("List all users. Admin only.") refused its
candidates and answered its recruiters and hiring managers: only the lowest role had been
compared with the admin, so the leak was never reported. A hiring API in Flask: admins,
recruiters, candidates. ``GET /admin/users`` is the flaw (in the flawed app only);
``GET /admin/stats`` has only its path to say whose it is, and recruiters read it by design:
a path segment alone is still judged for the lowest role only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask, jsonify, request
from ownership_support import scan_app

from apiward.core.findings import Severity
from apiward.scan import Identity
from apiward.scan.checks.bfla import Bfla

PEOPLE = {
    "hl-ada": {"id": 1, "email": "ada@hireloop.test", "role": "admin"},
    "hl-rita": {"id": 3, "email": "rita@acme.example", "role": "recruiter"},
    "hl-carl": {"id": 7, "email": "carl@mail.example", "role": "candidate"},
    "hl-cara": {"id": 8, "email": "cara@mail.example", "role": "candidate"},
}


def _ok(description: str) -> dict[str, Any]:
    return {"200": {"description": description}, "401": {"description": "Unauthorized"}}


CONTRACT: dict[str, Any] = {
    "openapi": "3.0.1",
    "info": {"title": "hireloop", "version": "v1"},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "paths": {
        "/me": {"get": {"summary": "Current user", "responses": _ok("the caller")}},
        "/admin/users": {
            "get": {
                "summary": "List all users",
                "description": "Admin only.",
                "responses": {**_ok("users"), "403": {"description": "Forbidden"}},
            }
        },
        "/admin/stats": {"get": {"summary": "Pipeline statistics", "responses": _ok("counts")}},
    },
}


def hiring(*, checks_role: bool) -> Flask:
    """The app; ``checks_role``: recruiters are refused the user list too."""
    app = Flask("hireloop")

    def caller() -> dict[str, Any] | None:
        return PEOPLE.get(request.headers.get("Authorization", "").removeprefix("Bearer "))

    @app.get("/openapi.json")
    def contract() -> Any:
        return jsonify(CONTRACT)

    @app.get("/me")
    def me() -> Any:
        who = caller()
        return jsonify(user=who) if who else (jsonify(error="Unauthorized"), 401)

    @app.get("/admin/users")
    def users() -> Any:
        who = caller()
        if who is None:
            return jsonify(error="Unauthorized"), 401
        allowed = {"admin"} if checks_role else {"admin", "recruiter"}
        if who["role"] not in allowed:
            return jsonify(error="Forbidden"), 403
        return jsonify(users=list(PEOPLE.values()))

    @app.get("/admin/stats")
    def stats() -> Any:
        who = caller()
        if who is None:
            return jsonify(error="Unauthorized"), 401
        if who["role"] == "candidate":
            return jsonify(error="Forbidden"), 403
        return jsonify(open_jobs=12, applications=48, offers=3)

    return app


def _people() -> tuple[Identity, ...]:
    def bearer(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    return (
        Identity(name="ada", role="admin", rank=10, headers=bearer("hl-ada")),
        Identity(name="rita", role="recruiter", rank=5, headers=bearer("hl-rita")),
        Identity(name="carl", role="candidate", rank=1, headers=bearer("hl-carl")),
        Identity(name="cara", role="candidate", rank=1, headers=bearer("hl-cara")),
    )


@pytest.mark.parametrize("checks_role", [False, True], ids=["flawed", "fixed"])
def test_a_recruiter_reading_what_admin_only_lists_is_found(
    serve: Callable[..., Any], checks_role: bool
) -> None:
    """The flawed app: one medium finding, for rita on the user list; the twin: nothing."""
    server = serve(hiring(checks_role=checks_role), wsgi=True)
    results = scan_app(server.url, Bfla(), _people())
    assert results.errors == []
    loud = {f.operation: f for f in results.findings if f.severity > Severity.LOW}
    if checks_role:
        assert loud == {}
        return
    assert set(loud) == {"GET /admin/users"}, loud
    finding = loud["GET /admin/users"]
    assert finding.severity is Severity.MEDIUM
    assert finding.title.startswith("rita"), finding.title
