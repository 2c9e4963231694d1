"""The JSON report: a stable schema with every field of every finding, documented field by field."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

from tests.report.samples import bola_finding, empty_report, full_report, static_finding

from apiward.core.findings import Finding
from apiward.core.redact import Redactor
from apiward.report import FORMATS, Report

DOC = Path(__file__).resolve().parents[2] / "docs" / "report-json.md"


def _json(report: Report) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(FORMATS.get("json")(report, Redactor()))
    return document


def test_top_level_fields(report: Report) -> None:
    """Version, tool, target, times, completeness, summary, stats, notes, findings and coverage."""
    document = _json(report)
    assert document["schema_version"] == 1
    assert document["tool"]["name"] == "apiward"
    assert document["tool"]["verb"] == "scan"
    assert document["target"] == "http://127.0.0.1:8000"
    assert document["started"] == "2026-03-01T09:30:00Z"
    assert document["finished"] == "2026-03-01T09:31:12.500000Z"
    assert document["duration_seconds"] == 72.5
    assert document["complete"] is True
    assert document["stats"] == {"operations": 32, "requests": 812}
    assert document["notes"] == ["identities: alice, bob, admin"]


def test_every_finding_field_is_written(report: Report) -> None:
    """Each Finding field, the fingerprint and the evidence exchanges appear in the JSON."""
    written = {f["check"]: f for f in _json(report)["findings"]}
    bola = written["bola"]
    fields = {field.name for field in dataclasses.fields(Finding)}
    assert fields | {"fingerprint"} == set(bola)
    assert bola["fingerprint"] == bola_finding().fingerprint
    exchange = bola["evidence"][1]
    assert exchange["note"] == "bob reads alice's account"
    assert exchange["request"]["method"] == "GET"
    assert exchange["request"]["headers"][1] == ["Accept", "application/json"]
    assert exchange["response"]["status"] == 200
    assert exchange["response"]["elapsed_ms"] == 12.5
    assert written["contract.no-security"]["location"] == {
        "source": "specs/bank.yaml",
        "line": 42,
        "pointer": "/paths/~1admin/get",
    }


def test_findings_are_worst_first(report: Report) -> None:
    """Findings are listed critical first, whatever order the run recorded them in."""
    severities = [f["severity"] for f in _json(report)["findings"]]
    assert severities == ["critical", "high", "medium"]


def test_summary_counts(report: Report) -> None:
    """The summary counts findings by severity and by category, and skips by reason."""
    summary = _json(report)["summary"]
    assert summary["findings"] == 3
    assert summary["by_severity"] == {"critical": 1, "high": 1, "medium": 1, "low": 0, "info": 0}
    assert list(summary["by_category"]) == ["API1:2023", "API2:2023", "other"]
    assert summary["checks_run"] == 5
    assert summary["operations_exercised"] == 3
    assert summary["skipped_by_reason"] == {"no identity with access": 2, "excluded by --safe": 1}


def test_coverage_is_written(report: Report) -> None:
    """What ran and what was skipped (with why) are both in the report."""
    document = _json(report)
    assert {"check": "cors", "operation": None} in document["ran"]
    assert {
        "check": "bola",
        "operation": "DELETE /api/v2/cards/{card_id}",
        "reason": "excluded by --safe",
        "detail": "deleting card 7 would remove alice's card",
    } in document["skipped"]
    assert {
        "check": "bfla",
        "operation": "GET /api/v2/admin/users",
        "reason": "no identity with access",
        "detail": "",
    } in document["skipped"]


def test_output_does_not_depend_on_recording_order(report: Report) -> None:
    """The same report recorded in another order renders to the same text."""
    shuffled = dataclasses.replace(
        report,
        findings=tuple(reversed(report.findings)),
        ran=tuple(reversed(report.ran)),
        skipped=tuple(reversed(report.skipped)),
    )
    for name in FORMATS.names():
        writer = FORMATS.get(name)
        assert writer(shuffled, Redactor()) == writer(report, Redactor()), name


def test_empty_report_is_well_formed() -> None:
    """A run with nothing to report still writes every field, with empty lists."""
    document = _json(empty_report())
    assert document["findings"] == document["ran"] == document["skipped"] == []
    assert document["summary"]["findings"] == 0


def test_every_field_is_documented() -> None:
    """docs/report-json.md names every key the JSON report can contain."""
    documented = set(re.findall(r"`([a-z_]+)`", DOC.read_text()))
    keys = _keys(_json(full_report(bola_finding(), static_finding())))
    # Category ids, severities and skip reasons are data, not schema.
    keys -= {"API1:2023", "API2:2023", "excluded by --safe", "no identity with access"}
    keys -= {"critical", "high", "medium", "low", "info", "operations", "requests"}
    assert keys - documented == set()


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()
