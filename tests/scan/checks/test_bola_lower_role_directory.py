"""bola: what a lower role lists and reads too is no peer's secret: a clinician directory.

The aiohttp trial's ``GET /clinicians/{clinician_id}`` answers a clinician's profile (name,
specialty, e-mail, phone) to any signed-in user, and ``GET /clinicians`` lists them all.
The scan called one clinician reading another's profile a high BOLA: the profile holds
more than the directory's row. Patients, a role below the clinicians, list and read the
same profiles; what a lower role may read is no escalation for a peer. A patient reading
another patient's record is still high: no role is below a patient's.
"""

from __future__ import annotations

from typing import Any

import flask
import pytest
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - {name: alice, role: patient, rank: 1, headers: {Authorization: Bearer lw-alice}}
  - {name: bob, role: patient, rank: 1, headers: {Authorization: Bearer lw-bob}}
  - {name: house, role: clinician, rank: 5, headers: {Authorization: Bearer lw-house}}
  - {name: grey, role: clinician, rank: 5, headers: {Authorization: Bearer lw-grey}}
"""
USERS = {
    "Bearer lw-alice": {"id": 11, "role": "patient", "full_name": "Alice Moss"},
    "Bearer lw-bob": {"id": 12, "role": "patient", "full_name": "Bob Lane"},
    "Bearer lw-house": {"id": 5, "role": "clinician", "full_name": "Dr. Gregory House"},
    "Bearer lw-grey": {"id": 6, "role": "clinician", "full_name": "Dr. Meredith Grey"},
}
CLINICIANS = {
    5: {"id": 5, "full_name": "Dr. Gregory House", "specialty": "Internal medicine",
        "email": "g.house@labwise.example", "phone": "+1-555-0904"},
    6: {"id": 6, "full_name": "Dr. Meredith Grey", "specialty": "General practice",
        "email": "m.grey@labwise.example", "phone": "+1-555-0905"},
}  # fmt: skip
PATIENTS = {
    11: {"id": 11, "full_name": "Alice Moss", "date_of_birth": "1990-04-02"},
    12: {"id": 12, "full_name": "Bob Lane", "date_of_birth": "1985-11-23"},
}
APPOINTMENTS = [
    {"id": 1, "patient_id": 11, "clinician_id": 5, "at": "2027-01-04T09:00:00Z"},
    {"id": 2, "patient_id": 12, "clinician_id": 6, "at": "2027-01-05T10:00:00Z"},
]
_OK = {"200": {"description": "OK", "content": {"application/json": {"schema": {}}}}}


def _item(name: str) -> list[dict[str, Any]]:
    return [{"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}]


CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "Labwise", "version": "1"},
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/api/v1/me": {"get": {"summary": "Who you are", "responses": _OK}},
        "/api/v1/appointments": {"get": {"summary": "Your appointments", "responses": _OK}},
        "/api/v1/clinicians": {"get": {"summary": "Clinician directory", "responses": _OK}},
        "/api/v1/clinicians/{clinician_id}": {
            "get": {
                "summary": "Clinician profile",
                "parameters": _item("clinician_id"),
                "responses": _OK,
            }
        },
        "/api/v1/patients/{patient_id}": {
            "get": {
                "summary": "A patient's record",
                "parameters": _item("patient_id"),
                "responses": _OK,
            }
        },
    },
}


def app_of() -> flask.Flask:
    """The portal; a patient's record is not checked against its caller (the flaw)."""
    app = flask.Flask("labwise")
    app.add_url_rule("/openapi.json", "spec", lambda: CONTRACT)

    def me() -> dict[str, Any] | None:
        return USERS.get(flask.request.headers.get("Authorization", ""))

    @app.before_request
    def signed_in() -> Any:
        if flask.request.path != "/openapi.json" and me() is None:
            return "401: Unauthorized", 401
        return None

    @app.get("/api/v1/me")
    def whoami() -> Any:
        return me()

    @app.get("/api/v1/appointments")
    def appointments() -> Any:
        user = me() or {}
        key = "patient_id" if user.get("role") == "patient" else "clinician_id"
        return [a for a in APPOINTMENTS if a[key] == user.get("id")]

    @app.get("/api/v1/clinicians")
    def directory() -> Any:
        return [{"id": c["id"], "full_name": c["full_name"]} for c in CLINICIANS.values()]

    @app.get("/api/v1/clinicians/<int:clinician_id>")
    def profile(clinician_id: int) -> Any:
        return CLINICIANS.get(clinician_id) or ("404: Not Found", 404)

    @app.get("/api/v1/patients/<int:patient_id>")
    def record(patient_id: int) -> Any:
        # The flaw: no check that a patient reads its own record.
        return PATIENTS.get(patient_id) or ("404: Not Found", 404)

    return app


@pytest.fixture(scope="module")
def findings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """The portal scanned with bola: severities by operation."""
    with serving(app_of(), wsgi=True) as url:
        done, report = scan_with_identities(
            url, IDENTITIES, tmp_path_factory.mktemp("labwise"), "--checks", "bola"
        )
    assert done.returncode in {0, 1}, done.stdout[-3000:]
    found: dict[str, list[str]] = {}
    for f in report["findings"]:
        found.setdefault(f["operation"], []).append(f["severity"])
    return found


def test_a_profile_patients_read_too_is_no_bola_between_clinicians(
    findings: dict[str, list[str]],
) -> None:
    """Nothing on the clinician profile."""
    assert "GET /api/v1/clinicians/{clinician_id}" not in findings, findings


def test_a_patients_record_read_by_another_patient_is_still_high(
    findings: dict[str, list[str]],
) -> None:
    """bob reads alice's record: high."""
    assert findings.get("GET /api/v1/patients/{patient_id}") == ["high"], findings
