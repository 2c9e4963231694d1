"""The input-handling checks on the demo bank: every planted flaw of theirs found, none on the fixed bank."""

from __future__ import annotations

import pytest
from injection_support import found, scan_bank

from apiward.core.findings import Confidence, Severity
from apiward.demo import load_ground_truth
from apiward.scan import Results
from apiward.scan.check import AnyCheck
from apiward.scan.checks.command_injection import CommandInjection
from apiward.scan.checks.nosql_injection import NoSqlInjection
from apiward.scan.checks.path_traversal import PathTraversal
from apiward.scan.checks.sql_injection import SqlInjection
from apiward.scan.checks.ssrf import Ssrf
from apiward.scan.checks.template_injection import TemplateInjection
from apiward.scan.checks.unsafe_consumption import UnsafeConsumption


def _checks() -> list[AnyCheck]:
    return [
        Ssrf(wait=0.5),
        UnsafeConsumption(wait=0.5),
        SqlInjection(delay=1.0),
        NoSqlInjection(),
        CommandInjection(delay=1.0),
        TemplateInjection(),
        PathTraversal(),
    ]


# Ground-truth id → the check that must find it.
MINE = {
    "ssrf-avatar-url": "ssrf",
    "ssrf-webhook-test": "ssrf",
    "ssrf-statement-import": "ssrf",
    "avatar-third-party-content-trusted": "unsafe_consumption",
    "sqli-transfer-search": "sql_injection",
    "ssti-notification-preview": "template_injection",
    "path-traversal-statement-download": "path_traversal",
}
CHECKS = sorted(set(MINE.values()) | {"nosql_injection", "command_injection"})


@pytest.fixture(scope="module")
def vulnerable() -> Results:
    """The vulnerable bank scanned with these checks only, --aggressive as the demo scans it:
    its webhooks, which nothing deletes, are made only so (the SSRF of their test ping)."""
    return scan_bank(_checks(), fixed=False, aggressive=True)


@pytest.fixture(scope="module")
def fixed() -> Results:
    """The fixed bank scanned with these checks only."""
    return scan_bank(_checks(), fixed=True)


@pytest.mark.parametrize("flaw_id", sorted(MINE), ids=sorted(MINE))
def test_finds_planted_flaw(vulnerable: Results, flaw_id: str) -> None:
    """Each planted flaw in this area is a high, confirmed finding of its check on its operation."""
    flaw = next(f for f in load_ground_truth() if f.id == flaw_id)
    hits = [f for f in found(vulnerable, MINE[flaw_id]) if f.operation == flaw.operation]
    assert hits, f"{flaw_id} not found"
    assert hits[0].severity is Severity.HIGH
    assert hits[0].confidence is Confidence.CONFIRMED
    assert flaw.parameter is not None
    assert hits[0].key.endswith(":" + flaw.parameter.name)


@pytest.mark.parametrize("check", CHECKS, ids=CHECKS)
def test_nothing_medium_or_above_on_the_fixed_bank(fixed: Results, check: str) -> None:
    """The fixed bank refuses internal URLs, binds SQL, resolves paths: no finding ≥ medium."""
    assert found(fixed, check) == []


@pytest.mark.parametrize("check", ["command_injection", "nosql_injection"], ids=str)
def test_silent_where_nothing_is_planted(vulnerable: Results, check: str) -> None:
    """The bank has no shell and no document store: these checks find nothing on it."""
    assert found(vulnerable, check, at_least=Severity.INFO) == []


def test_no_scan_errors(vulnerable: Results, fixed: Results) -> None:
    """No check crashed on either bank."""
    assert vulnerable.errors == []
    assert fixed.errors == []


def test_webhook_finding_shows_the_trigger(vulnerable: Results) -> None:
    """The stored-URL SSRF carries the creation and the trigger that made the bank call out."""
    finding = next(f for f in found(vulnerable, "ssrf") if f.operation == "POST /api/v2/webhooks")
    assert len(finding.evidence) >= 2
    assert "/test" in finding.evidence[-1].request.url
    assert "trigger" in finding.detail


def test_every_operation_is_ran_or_skipped(vulnerable: Results) -> None:
    """Nothing is skipped silently: each check × operation is run or skipped with a reason."""
    covered = {(c, o) for c, o in vulnerable.ran} | {
        (s.check, s.operation) for s in vulnerable.skipped
    }
    assert len(covered) == len(CHECKS) * int(vulnerable.stats["operations"])
