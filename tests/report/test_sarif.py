"""SARIF 2.1.0: valid against the official schema, one rule per check, locations that fit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from tests.report.samples import bola_finding, empty_report, full_report, static_finding

from apiward.core.redact import Redactor
from apiward.report import FORMATS, Report

SCHEMA = json.loads((Path(__file__).parent / "schemas/sarif-schema-2.1.0.json").read_text())


def _sarif(report: Report) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(FORMATS.get("sarif")(report, Redactor()))
    return result


@pytest.mark.parametrize(
    "report",
    [
        full_report(bola_finding(), static_finding()),
        full_report(bola_finding(), complete=False),
        empty_report(),
    ],
    ids=["static-and-dynamic", "partial", "empty"],
)
def test_log_validates_against_the_sarif_schema(report: Report) -> None:
    """Every log apiward writes is valid SARIF 2.1.0, including an empty one."""
    validator = jsonschema.Draft7Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    errors = [
        f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(_sarif(report))
    ]
    assert errors == []


def test_one_run_with_one_rule_per_check(report: Report) -> None:
    """The driver lists each distinct check once, with description, help, tags and level."""
    run = _sarif(report)["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "apiward"
    rules = {rule["id"]: rule for rule in driver["rules"]}
    assert set(rules) == {"bola", "contract.no-security", "sqli"}
    bola = rules["bola"]
    assert bola["shortDescription"]["text"] == "Another user's account is readable"
    assert bola["help"]["text"].startswith("Check that the account belongs")
    assert {"API1:2023", "CWE-639"} <= set(bola["properties"]["tags"])
    assert bola["defaultConfiguration"]["level"] == "error"
    assert rules["contract.no-security"]["defaultConfiguration"]["level"] == "warning"


def test_results_carry_level_fingerprint_and_rule(report: Report) -> None:
    """Each finding is a result with its rule, its level and its fingerprint."""
    run = _sarif(report)["runs"][0]
    by_rule = {result["ruleId"]: result for result in run["results"]}
    rules = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    for finding in report.findings:
        result = by_rule[finding.check]
        assert result["level"] == finding.severity.sarif_level
        assert result["partialFingerprints"] == {"apiwardFingerprint/v1": finding.fingerprint}
        assert rules[result["ruleIndex"]] == finding.check


def test_static_finding_points_at_file_and_line(report: Report) -> None:
    """A static finding's location is its file as a URI and its line as the region."""
    run = _sarif(report)["runs"][0]
    result = next(r for r in run["results"] if r["ruleId"] == "contract.no-security")
    physical = result["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "specs/bank.yaml"
    assert physical["region"]["startLine"] == 42
    assert result["properties"]["pointer"] == "/paths/~1admin/get"


def test_dynamic_finding_names_its_operation_and_request(report: Report) -> None:
    """A dynamic finding has a logical location naming the operation; URL, evidence, curl in properties."""
    run = _sarif(report)["runs"][0]
    result = next(r for r in run["results"] if r["ruleId"] == "bola")
    location = result["locations"][0]
    assert location["logicalLocations"][0]["name"] == "GET /api/v2/accounts/{account_id}"
    # Anchored in the contract too, so repository dashboards can show it.
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "specs/bank.yaml"
    properties = result["properties"]
    assert properties["requestUrl"].startswith("http://127.0.0.1:8000/api/v2/accounts/2?api_key=")
    assert len(properties["evidence"]) == 2
    assert properties["evidence"][1]["response"]["status"] == 200
    assert properties["reproduction"].startswith("curl ")


def test_contract_url_is_not_used_as_a_file() -> None:
    """A contract fetched over HTTP is no repository file: dynamic results keep only the logical location."""
    report = full_report(bola_finding())
    report = Report(**{**_fields(report), "contract": "http://127.0.0.1:8000/openapi.json"})
    location = _sarif(report)["runs"][0]["results"][0]["locations"][0]
    assert "physicalLocation" not in location
    assert location["logicalLocations"][0]["name"].startswith("GET ")


def test_partial_run_is_not_successful() -> None:
    """A cut-short run says so in its invocation, with the reason as a notification."""
    invocation = _sarif(full_report(complete=False))["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    texts = [n["message"]["text"] for n in invocation["toolExecutionNotifications"]]
    assert "partial report: the run was cut short" in texts
    assert invocation["startTimeUtc"] == "2026-03-01T09:30:00Z"


def _fields(report: Report) -> dict[str, Any]:
    return {name: getattr(report, name) for name in Report.__dataclass_fields__}
