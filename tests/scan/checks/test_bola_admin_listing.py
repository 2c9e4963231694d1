"""BOLA behind an "Admin only." listing that every logged-in user gets (a Flask clinic).

``GET /admin/appointments`` is documented "Admin only." and leaks every appointment to
any patient (the BFLA ``bfla`` reports). What a patient sees there is not what it may
see: every patient seeing every appointment must not make them nobody's (shared), so a
patient changing another's appointment (``PATCH /appointments/{appointment_id}``) and reading
another's through the ``patient_id`` filter (``GET /appointments?patient_id=``) are
still found — though the doctors, logged in first, own their patients' appointments
among doctors and have no write of their own there to compare with. The fixed twin refuses the admin listing to patients and scopes the
appointments: nothing of medium or above.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from practice_app import IDENTITIES, Clinic

from serving import serving

Cli = Callable[..., subprocess.CompletedProcess[str]]


def _scan(apiward: Cli, clinic: Clinic, tmp_path: Path) -> list[dict[str, Any]]:
    ids = tmp_path / "identities.yaml"
    ids.write_text(IDENTITIES)
    out = tmp_path / "out.json"
    with serving(clinic.app, wsgi=True) as url:
        result = apiward(
            "scan", "--spec", f"{url}/openapi.json", "--allow-private", "--target", url,
            "--identities", str(ids), "--checks", "bola,bfla", "--json", str(out),
        )  # fmt: skip
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(out.read_text())
    assert report["complete"] is True
    assert clinic.changed() == {}, "the scan left the clinic changed"
    return [f for f in report["findings"] if f["severity"] in ("medium", "high", "critical")]


def test_a_leaking_admin_listing_does_not_hide_per_patient_bola(
    apiward: Cli, tmp_path: Path
) -> None:
    """Every patient lists every appointment at /admin/: each is still its patient's own."""
    findings = _scan(apiward, Clinic(admin_leak=True, owner_check=False), tmp_path)
    found = {(f["check"], f["operation"]) for f in findings}
    assert ("bfla", "GET /admin/appointments") in found
    assert ("bola", "PATCH /appointments/{appointment_id}") in found
    assert ("bola", "GET /appointments") in found


def test_the_leak_alone_is_only_the_bfla(apiward: Cli, tmp_path: Path) -> None:
    """Appointments scoped to their patient, the admin listing leaking: no bola."""
    findings = _scan(apiward, Clinic(admin_leak=True, owner_check=True), tmp_path)
    assert [(f["check"], f["operation"]) for f in findings] == [("bfla", "GET /admin/appointments")]


def test_the_fixed_clinic_reports_nothing(apiward: Cli, tmp_path: Path) -> None:
    """The admin listing refused to patients, appointments scoped: nothing of medium or above."""
    assert _scan(apiward, Clinic(admin_leak=False, owner_check=True), tmp_path) == []
