"""A camelCase URL field (``photoUrl``) gets a URL, so what needs one can be made.

The hapi trial's damage report took ``photoUrl``, validated as a URI by Joi, and its
contract said only ``type: string``. The scan sent ``"apiwardphotourl"``: every report it
made for a DELETE was refused, so no DELETE went out and one member withdrawing
another's report was never tried. A Flask app that checks the URL the same way; the
flawed twin forgets the owner check on ``DELETE``.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask, request
from flask.typing import ResponseReturnValue
from tests.conftest import scan_with_identities

from serving import serving

KEYS = {"Bearer cs-alice-1": "alice", "Bearer cs-bob-2": "bob"}
IDENTITIES = """\
identities:
  - {name: alice, role: member, headers: {Authorization: Bearer cs-alice-1}}
  - {name: bob, role: member, headers: {Authorization: Bearer cs-bob-2}}
"""
_REPORT = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "description": {"type": "string", "maxLength": 200},
        "photoUrl": {"type": "string", "writeOnly": True},
        "hasPhoto": {"type": "boolean", "readOnly": True},
    },
}
_ID = [{"name": "reportId", "in": "path", "required": True, "schema": {"type": "string"}}]
SPEC: dict[str, Any] = {
    "swagger": "2.0",
    "info": {"title": "car sharing", "version": "1.0"},
    "securityDefinitions": {"bearer": {"type": "apiKey", "in": "header", "name": "Authorization"}},
    "security": [{"bearer": []}],
    "paths": {
        "/api/damage-reports": {
            "get": {"responses": {"200": {"description": "mine"}}},
            "post": {
                "parameters": [{"in": "body", "name": "body", "required": True, "schema": _REPORT}],
                "responses": {"201": {"description": "filed", "schema": _REPORT}},
            },
        },
        "/api/damage-reports/{reportId}": {
            "parameters": _ID,
            "get": {"responses": {"200": {"description": "one", "schema": _REPORT}}},
            "delete": {"responses": {"204": {"description": "withdrawn"}}},
        },
    },
}


class Reports:
    """Damage reports by id; ``flawed`` lets anyone withdraw any report."""

    def __init__(self, *, flawed: bool) -> None:
        self.flawed = flawed
        self.reports: dict[str, dict[str, Any]] = {
            "dr_seed0001": {
                "owner": "alice",
                "description": "Dent",
                "photoUrl": "https://p.example/1",
            },
            "dr_seed0002": {
                "owner": "bob",
                "description": "Scratch",
                "photoUrl": "https://p.example/2",
            },
        }
        self.serial = itertools.count(3)
        self.app = Flask("carshare")
        self.app.add_url_rule("/openapi.json", "spec", lambda: SPEC)  # Swagger 2.0, as hapi's
        self.app.add_url_rule("/api/damage-reports", "all", self.all, methods=["GET", "POST"])
        self.app.add_url_rule(
            "/api/damage-reports/<report>", "one", self.one, methods=["GET", "DELETE"]
        )

    def _who(self) -> str | None:
        return KEYS.get(request.headers.get("Authorization", ""))

    def all(self) -> ResponseReturnValue:
        who = self._who()
        if who is None:
            return {"statusCode": 401, "error": "Unauthorized", "message": "Missing token"}, 401
        if request.method == "GET":
            return [_out(k, r) for k, r in self.reports.items() if r["owner"] == who]
        body = request.get_json(silent=True) or {}
        photo = str(body.get("photoUrl", ""))
        if urlsplit(photo).scheme not in {"http", "https"}:
            message = '"photoUrl" must be a valid uri'
            return {"statusCode": 400, "error": "Bad Request", "message": message}, 400
        key = f"dr_{next(self.serial):08d}"
        self.reports[key] = {"owner": who, "description": str(body.get("description", ""))}
        self.reports[key]["photoUrl"] = photo
        return _out(key, self.reports[key]), 201

    def one(self, report: str) -> ResponseReturnValue:
        who, found = self._who(), self.reports.get(report)
        checked = request.method == "GET" or not self.flawed
        if who is None or found is None or (checked and found["owner"] != who):
            return {"statusCode": 404, "error": "Not Found", "message": "Not Found"}, 404
        if request.method == "DELETE":
            del self.reports[report]
            return "", 204
        return _out(report, found)


def _out(key: str, report: dict[str, Any]) -> dict[str, Any]:
    """The report as answered: its photo is fetched and stored, its URL never shown."""
    return {"id": key, "description": report["description"], "hasPhoto": True}


@pytest.mark.parametrize("flawed", [True, False], ids=["flawed", "fixed"])
def test_reports_are_made_for_the_delete_and_its_flaw_found(flawed: bool, tmp_path: Path) -> None:
    """bob withdrawing a report alice made for the probe is found on the flawed twin only; the
    seeded reports are untouched and every report the scan made is gone."""
    reports = Reports(flawed=flawed)
    seeded = {k: dict(v) for k, v in reports.reports.items()}
    with serving(reports.app, wsgi=True) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "bola")
    assert done.returncode in {0, 1}, done.stdout[-3000:]
    found = {f["operation"] for f in report["findings"] if f["check"] == "bola"}
    assert ("DELETE /api/damage-reports/{reportId}" in found) is flawed, report["skipped"]
    assert reports.reports == seeded
