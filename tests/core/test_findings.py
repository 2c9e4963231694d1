"""Findings: ordered severities, stable fingerprints, deterministic order."""

from __future__ import annotations

from apiward.core.findings import (
    Finding,
    Location,
    Severity,
    at_or_above,
    sorted_findings,
)


def _finding(**changes: object) -> Finding:
    base: dict[str, object] = {
        "check": "bola",
        "title": "Object of another user readable",
        "severity": Severity.HIGH,
        "operation": "GET /accounts/{id}",
    }
    return Finding(**{**base, **changes})  # type: ignore[arg-type]


def test_severities_order_by_badness_not_by_name() -> None:
    """critical > high > medium > low > info, whatever their spelling sorts as."""
    assert Severity.CRITICAL > Severity.HIGH > Severity.MEDIUM > Severity.LOW > Severity.INFO
    assert Severity.LOW < Severity.MEDIUM
    assert max(Severity) is Severity.CRITICAL


def test_sarif_levels() -> None:
    """High and critical are SARIF errors, medium a warning, low and info notes."""
    assert [s.sarif_level for s in Severity] == ["note", "note", "warning", "error", "error"]


def test_fingerprint_ignores_wording_and_evidence() -> None:
    """The same check on the same operation and key has the same fingerprint across runs."""
    first = _finding(detail="bob read alice's account 1001")
    again = _finding(detail="bob read alice's account 1002", severity=Severity.CRITICAL)
    assert first.fingerprint == again.fingerprint
    assert first.fingerprint != _finding(key="account_id").fingerprint
    assert first.fingerprint != _finding(operation="GET /cards/{id}").fingerprint


def test_static_findings_are_fingerprinted_by_location() -> None:
    """Without an operation, the file and JSON pointer identify the finding."""
    one = _finding(operation=None, location=Location(source="api.yaml", line=3, pointer="/a"))
    two = _finding(operation=None, location=Location(source="api.yaml", line=9, pointer="/b"))
    assert one.fingerprint != two.fingerprint
    assert str(one.location) == "api.yaml:3 (at /a)"


def test_sorted_most_severe_first_then_stable() -> None:
    """Reports list the worst first, and the order never depends on input order."""
    low = _finding(severity=Severity.LOW)
    high_b = _finding(operation="GET /b")
    high_a = _finding(operation="GET /a")
    assert sorted_findings([low, high_b, high_a]) == [high_a, high_b, low]


def test_fail_on_threshold_includes_the_threshold() -> None:
    """--fail-on high counts high and critical findings, not medium ones."""
    findings = [_finding(severity=s) for s in Severity]
    assert [f.severity for f in at_or_above(findings, Severity.HIGH)] == [
        Severity.HIGH,
        Severity.CRITICAL,
    ]
