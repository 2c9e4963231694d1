"""An empty page is no one's data, whatever its self link names.

The Flask trial's rent ledger, written with flask-smorest and HAL: ``GET /payments?lease_id=5``
narrows the caller's organisation's payments to one lease, and another organisation's lease
gives an empty page. Its ``_links.self.href`` names ``lease_id=5``, so the page differed
from the one for a lease that does not exist by that link alone, and counting from lease 1
to 5 was called a medium enumeration. The flawed twin, which lists any lease's payments to
whoever names it, is still found.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import flask
import pytest
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - {name: olivia, role: owner, headers: {Authorization: Token rw-olivia}}
  - {name: oscar, role: owner, headers: {Authorization: Token rw-oscar}}
"""
ORGS = {"Token rw-olivia": 1, "Token rw-oscar": 2}
LEASES = {1: 1, 2: 1, 5: 2, 6: 2}
PAYMENTS = [
    {"id": 30 + n, "lease_id": lease, "amount": 1450.0 + n, "paid_on": f"2026-0{n % 9 + 1}-01"}
    for n, lease in enumerate([1, 1, 2, 5, 5, 6])
]
_ANSWER = {"200": {"description": "OK", "content": {"application/json": {"schema": {}}}}}
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "Rentwise", "version": "2"},
    "security": [{"token": []}],
    "components": {
        "securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "Authorization"}}
    },
    "paths": {
        "/api/v2/leases": {"get": {"summary": "Your leases", "responses": _ANSWER}},
        "/api/v2/payments": {
            "get": {
                "summary": "Rent payments",
                "parameters": [
                    {"in": "query", "name": "lease_id", "schema": {"type": "integer"}},
                    {"in": "query", "name": "page", "schema": {"type": "integer", "default": 1}},
                ],
                "responses": _ANSWER,
            }
        },
    },
}


def _page(name: str, rows: list[dict[str, Any]], href: str) -> dict[str, Any]:
    return {"_embedded": {name: rows}, "_links": {"self": {"href": href}}, "total": len(rows)}


def app_of(*, flawed: bool) -> flask.Flask:
    """The API; ``flawed`` lists any lease's payments to whoever names the lease."""
    app = flask.Flask("rentwise")
    app.add_url_rule("/openapi.json", "spec", lambda: CONTRACT)

    @app.get("/api/v2/leases")
    def leases() -> Any:
        org = ORGS.get(flask.request.headers.get("Authorization", ""))
        if org is None:
            return {"code": 401, "status": "Unauthorized"}, 401
        rows = [{"id": k, "org_id": v} for k, v in LEASES.items() if v == org]
        return _page("leases", rows, flask.request.full_path.rstrip("?"))

    @app.get("/api/v2/payments")
    def payments() -> Any:
        org = ORGS.get(flask.request.headers.get("Authorization", ""))
        if org is None:
            return {"code": 401, "status": "Unauthorized"}, 401
        lease = flask.request.args.get("lease_id", type=int)
        rows = [p for p in PAYMENTS if flawed or LEASES.get(p["lease_id"]) == org]
        rows = [p for p in rows if lease is None or p["lease_id"] == lease]
        return _page("payments", rows, flask.request.full_path.rstrip("?"))

    return app


@pytest.mark.parametrize("flawed", [True, False], ids=["flawed", "fixed"])
def test_an_empty_page_is_no_enumeration(tmp_path: Path, flawed: bool) -> None:
    """The fixed twin gives no id_enumeration finding; the flawed one does."""
    with serving(app_of(flawed=flawed), wsgi=True) as url:
        result, report = scan_with_identities(
            url, IDENTITIES, tmp_path, "--checks", "id_enumeration"
        )
    assert result.returncode in {0, 1}, result.stdout[-3000:] + result.stderr[-3000:]
    found = [f for f in report["findings"] if f["check"] == "id_enumeration"]
    assert bool(found) is flawed, [f["detail"] for f in found]
