"""A patient portal's own data: a real consent is never revoked, and one's own SSN is no leak.

The aiohttp trial's patients revoke a consent through ``DELETE /consents/{consent_id}``,
operation ``revokeConsent``, which answers the revoked consent. The scan read "revoke" as a
logout, which it sends on a session of its own like any logout, and not as the DELETE it
is, sent only on objects the scan made: alice's and bob's real consents were revoked, under
``--safe`` too. A revocation is a logout only of a token or a session now.

Its ``GET /auth/me`` shows the patient's own record, SSN included: ``excessive_data`` had
called that a high leak. The caller's own number on its own record is not.

The Flask app below is written that way; its staff listing of patients leaks every SSN.
"""

from __future__ import annotations

import copy
from typing import Any

import flask
import pytest
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - {name: alice, role: patient, rank: 1, headers: {Authorization: Bearer p-alice}}
  - {name: bob, role: patient, rank: 1, headers: {Authorization: Bearer p-bob}}
"""
PATIENTS = {
    "Bearer p-alice": {"mrn": "MRN-004213", "name": "Alice Moss", "ssn": "123-45-6789"},
    "Bearer p-bob": {"mrn": "MRN-004214", "name": "Bob Lane", "ssn": "987-65-4320"},
}
CONSENTS = {
    1: {
        "id": 1,
        "patient": "MRN-004213",
        "clinician_id": 5,
        "scope": "records",
        "status": "active",
    },
    2: {
        "id": 2,
        "patient": "MRN-004214",
        "clinician_id": 6,
        "scope": "records",
        "status": "active",
    },
}
_OK = {"200": {"description": "OK", "content": {"application/json": {"schema": {}}}}}
_CONSENT = [{"name": "consent_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "Clinic", "version": "1"},
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/api/v1/auth/me": {"get": {"summary": "Your own patient record", "responses": _OK}},
        "/api/v1/consents": {
            "get": {"summary": "Consents you granted", "responses": _OK},
            "post": {
                "summary": "A patient grants a clinician access to their record",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["clinician_id", "scope"],
                                "properties": {
                                    "clinician_id": {"type": "integer"},
                                    "scope": {"type": "string", "enum": ["records", "all"]},
                                },
                            }
                        }
                    },
                },
                "responses": {"201": _OK["200"]},
            },
        },
        "/api/v1/consents/{consent_id}": {
            "get": {"parameters": _CONSENT, "responses": _OK},
            "delete": {
                "parameters": _CONSENT,
                "operationId": "revokeConsent",
                "summary": "Revoke a consent you granted; answers the revoked consent",
                "responses": _OK,
            },
        },
    },
}


def app_of() -> tuple[flask.Flask, dict[int, dict[str, Any]]]:
    """The portal and its consents."""
    app = flask.Flask("clinic")
    app.add_url_rule("/openapi.json", "spec", lambda: CONTRACT)
    consents = copy.deepcopy(CONSENTS)

    def me() -> dict[str, Any] | None:
        return PATIENTS.get(flask.request.headers.get("Authorization", ""))

    @app.get("/api/v1/auth/me")
    def whoami() -> Any:
        patient = me()
        if patient is None:
            return "401: Unauthorized", 401
        return {"role": "patient", "patient": dict(patient)}

    @app.route("/api/v1/consents", methods=["GET", "POST"])
    def listing() -> Any:
        patient = me()
        if patient is None:
            return "401: Unauthorized", 401
        if flask.request.method == "POST":
            # A patient may grant "records" only; the rest is for clinicians to request.
            return {"error": {"code": "forbidden", "message": "Ask your clinician"}}, 403
        return [c for c in consents.values() if c["patient"] == patient["mrn"]]

    @app.route("/api/v1/consents/<int:consent_id>", methods=["GET", "DELETE"])
    def consent(consent_id: int) -> Any:
        patient, found = me(), consents.get(consent_id)
        if patient is None:
            return "401: Unauthorized", 401
        if found is None or found["patient"] != patient["mrn"]:
            return "404: Not Found", 404
        if flask.request.method == "DELETE":
            found["status"] = "revoked"
        return found

    return app, consents


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[int, Any], dict[str, Any]]:
    """The portal scanned once, default mode."""
    app, consents = app_of()
    with serving(app, wsgi=True) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path_factory.mktemp("clinic"))
    assert done.returncode in {0, 1}, done.stdout[-3000:]
    return consents, report


def test_no_real_consent_is_revoked(scanned: tuple[dict[int, Any], dict[str, Any]]) -> None:
    """Both seeded consents are still active: the revocation is a DELETE like any other."""
    consents, report = scanned
    assert consents == CONSENTS
    operation = "DELETE /api/v1/consents/{consent_id}"
    skips = [s for s in report["skipped"] if s["operation"] == operation]
    assert any("sent only on objects the scan created" in s["reason"] for s in skips), skips


def test_ones_own_ssn_on_ones_own_record_is_no_leak(
    scanned: tuple[dict[int, Any], dict[str, Any]],
) -> None:
    """Nothing of medium or above on ``GET /auth/me``."""
    _, report = scanned
    found = [
        (f["severity"], f["title"])
        for f in report["findings"]
        if f["operation"] == "GET /api/v1/auth/me" and f["severity"] in {"medium", "high"}
    ]
    assert not found, found
