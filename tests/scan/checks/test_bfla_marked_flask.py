"""bfla on a read the contract marks by its path: a Flask blueprint mounted at ``/manage``.

A payroll API: employees read their own timesheets; ``GET /manage/payouts`` lists every
employee's payouts and is a manager's (its path says so, its contract lists no 403). The
flawed app forgets the role check there, while ``GET /manage/audit`` beside it has one.
``GET /manage/me`` (each caller's own card) and ``GET /manage/notices`` (public) are no
finding in either app; the twin checks the role on the payouts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Blueprint, Flask, jsonify, request
from ownership_support import scan_app

from apiward.core.findings import Confidence, Severity
from apiward.scan import Identity, Results
from apiward.scan.checks.bfla import Bfla

STAFF = {
    "tok-ivy": ("ivy", "employee"),
    "tok-jon": ("jon", "employee"),
    "tok-kim": ("kim", "manager"),
}
PAYOUTS = [
    {"employee": "E-1042", "iban_tail": "4471", "amount": 2310.5, "period": "2026-11"},
    {"employee": "E-1043", "iban_tail": "9902", "amount": 2875.0, "period": "2026-11"},
    {"employee": "E-1077", "iban_tail": "1180", "amount": 4120.25, "period": "2026-11"},
]
HOURS = {"ivy": [{"day": "2026-11-02", "hours": 7.5}], "jon": [{"day": "2026-11-03", "hours": 6}]}
HOURS["kim"] = [{"day": "2026-11-04", "hours": 8}]


def _ok(description: str) -> dict[str, Any]:
    return {
        "200": {"description": description, "content": {"application/json": {"schema": {}}}},
        "401": {"description": "no token"},
    }


CONTRACT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "payroll", "version": "2.1"},
    "components": {
        "securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "X-Auth-Token"}}
    },
    "security": [{"token": []}],
    "paths": {
        "/timesheets": {"get": {"summary": "My timesheets", "responses": _ok("rows")}},
        "/manage/payouts": {"get": {"summary": "Payouts of the period", "responses": _ok("rows")}},
        "/manage/audit": {"get": {"summary": "Audit trail", "responses": _ok("events")}},
        "/manage/me": {"get": {"summary": "My manager card", "responses": _ok("card")}},
        "/manage/notices": {
            "get": {"summary": "Notices for everyone", "security": [], "responses": _ok("notices")}
        },
    },
}


def payroll(*, checks_role: bool) -> Flask:
    """The app; ``checks_role`` puts the manager check on the payouts too."""
    manage = Blueprint("manage", __name__, url_prefix="/manage")

    def caller() -> tuple[str, str] | None:
        return STAFF.get(request.headers.get("X-Auth-Token", ""))

    def managers_only() -> Any:
        who = caller()
        if who is None:
            return jsonify(message="login required"), 401
        if who[1] != "manager":
            return jsonify(message="managers only"), 403
        return None

    @manage.get("/payouts")
    def payouts() -> Any:
        refused = managers_only() if checks_role else None
        if caller() is None:
            return jsonify(message="login required"), 401
        return refused or jsonify(items=PAYOUTS, count=len(PAYOUTS))

    @manage.get("/audit")
    def audit() -> Any:
        return managers_only() or jsonify(
            items=[{"at": "2026-11-30T09:12:00Z", "event": "run closed"}]
        )

    @manage.get("/me")
    def me() -> Any:
        who = caller()
        if who is None:
            return jsonify(message="login required"), 401
        return jsonify(name=who[0], role=who[1], reports=2 if who[1] == "manager" else 0)

    @manage.get("/notices")
    def notices() -> Any:
        return jsonify(items=[{"title": "Payday moves to the 28th", "pinned": True}])

    app = Flask("payroll")
    app.register_blueprint(manage)

    @app.get("/timesheets")
    def timesheets() -> Any:
        who = caller()
        return (
            (jsonify(rows=HOURS[who[0]]), 200) if who else (jsonify(message="login required"), 401)
        )

    @app.get("/openapi.json")
    def contract() -> Any:
        return jsonify(CONTRACT)

    return app


def _people() -> tuple[Identity, ...]:
    def token(name: str) -> dict[str, str]:
        return {"X-Auth-Token": f"tok-{name}"}

    return (
        Identity(name="ivy", role="employee", headers=token("ivy")),
        Identity(name="jon", role="employee", headers=token("jon")),
        Identity(name="kim", role="manager", rank=5, headers=token("kim")),
    )


def _loud(results: Results) -> dict[str, Any]:
    return {f.operation: f for f in results.findings if f.severity > Severity.LOW}


@pytest.mark.parametrize("checks_role", [False, True], ids=["flawed", "fixed"])
def test_an_employee_reading_the_payouts_under_manage_is_found(
    serve: Callable[..., Any], checks_role: bool
) -> None:
    """The flawed blueprint: one medium, firm finding on the payouts; the twin: nothing."""
    server = serve(payroll(checks_role=checks_role), wsgi=True)
    results = scan_app(server.url, Bfla(), _people())
    assert results.errors == []
    loud = _loud(results)
    if checks_role:
        assert loud == {}
        return
    assert set(loud) == {"GET /manage/payouts"}
    finding = loud["GET /manage/payouts"]
    assert (finding.severity, finding.confidence) == (Severity.MEDIUM, Confidence.FIRM)
    assert "path segment 'manage'" in finding.detail
    assert "ivy is refused on GET /manage/audit" in finding.detail


def test_the_evidence_shows_the_manager_the_anonymous_caller_and_the_employee(
    serve: Callable[..., Any],
) -> None:
    """Both exchanges are in the finding (and the anonymous refusal between them)."""
    server = serve(payroll(checks_role=False), wsgi=True)
    finding = _loud(scan_app(server.url, Bfla(), _people()))["GET /manage/payouts"]
    answers = [e.response for e in finding.evidence if e.response is not None]
    assert [a.status for a in answers] == [200, 401, 200]
    assert "E-1077" in answers[0].body
    assert "E-1077" in answers[2].body
