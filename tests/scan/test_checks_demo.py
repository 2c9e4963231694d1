"""auth_bypass and bola fire on the vulnerable demo bank and stay silent on the fixed one."""

from __future__ import annotations

import pytest

from apiward.core.findings import Confidence, Severity
from apiward.demo import load_ground_truth
from apiward.scan import Results
from apiward.scan.checks import BUILTIN, Check


def _found(results: Results, check: str) -> set[str]:
    return {f.operation or "" for f in results.findings if f.check == check}


def test_bola_finds_every_planted_bola(vulnerable: Results) -> None:
    """Every API1 flaw of the ground truth is a bola finding on its operation."""
    planted = {f"{f.method} {f.path}" for f in load_ground_truth() if f.owasp == "API1"}
    assert planted <= _found(vulnerable, "bola")


def test_bola_findings_carry_evidence_and_curl(vulnerable: Results) -> None:
    """A bola finding has the owner's answer and the attack as evidence, and a curl line."""
    finding = next(f for f in vulnerable.findings if f.operation == "GET /api/v2/cards/{card_ref}")
    assert finding.severity is Severity.HIGH
    assert finding.confidence is Confidence.CONFIRMED
    assert len(finding.evidence) >= 2
    assert finding.reproduction is not None
    assert finding.reproduction.startswith("curl ")


def test_auth_bypass_finds_secured_operations_answering_anonymously(vulnerable: Results) -> None:
    """The v1 operations the contract secures answer without a token: auth_bypass says so."""
    assert {"GET /api/v1/accounts/{account_id}", "GET /api/v1/users/{username}"} <= _found(
        vulnerable, "auth_bypass"
    )


def test_anonymous_probe_sends_no_credential(vulnerable: Results) -> None:
    """The 'without credentials' probe carries no Authorization header at all."""
    finding = next(
        f
        for f in vulnerable.findings
        if f.check == "auth_bypass" and f.key == "without credentials"
    )
    headers = {name.lower() for name, _ in finding.evidence[-1].request.headers}
    assert "authorization" not in headers


@pytest.mark.parametrize("check", ["bola", "auth_bypass"], ids=["bola", "auth_bypass"])
def test_silent_on_the_fixed_bank(fixed: Results, check: str) -> None:
    """No finding at all on the fixed bank."""
    assert _found(fixed, check) == set()


def test_no_scan_errors(vulnerable: Results, fixed: Results) -> None:
    """Neither scan had a check crash."""
    assert vulnerable.errors == []
    assert fixed.errors == []


def test_every_check_operation_pair_is_ran_or_skipped(vulnerable: Results) -> None:
    """Nothing is skipped silently: each check × operation is either run or skipped with a reason."""
    covered = set(vulnerable.ran) | {(s.check, s.operation) for s in vulnerable.skipped}
    per_operation = {c.id for c in BUILTIN if isinstance(c, Check)}
    pairs = {(check, op) for check, op in covered if check in per_operation}
    assert len(pairs) == len(per_operation) * int(vulnerable.stats["operations"])


def test_safe_mode_skips_writes_on_others_data(vulnerable_safe: Results) -> None:
    """Under --safe, bola does not try writes and says so; reads are still tested."""
    results = vulnerable_safe
    assert "POST /api/v2/transfers" not in _found(results, "bola")
    assert "GET /api/v2/accounts/{account_id}" in _found(results, "bola")
    assert any(
        s.operation == "POST /api/v2/transfers" and "safe" in s.reason for s in results.skipped
    )
