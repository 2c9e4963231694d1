"""resource_limits, rate_limit and business_flows on the demo bank: every planted flaw, no false alarm."""

from __future__ import annotations

import pytest
from limits_support import on, scan_demo_only

from apiward.core.findings import Confidence, Severity
from apiward.demo import load_ground_truth
from apiward.scan import Results
from apiward.scan.checks.business_flows import BusinessFlows
from apiward.scan.checks.rate_limit import RateLimit
from apiward.scan.checks.resource_limits import ResourceLimits

MINE = {"transfers-page-size-unbounded", "lookup-batch-unbounded", "promo-code-reuse"}
MINE |= {"referral-bonus-unlimited"}
FLAWS = [f for f in load_ground_truth() if f.id in MINE]


def _checks() -> list:  # type: ignore[type-arg]
    return [ResourceLimits(), RateLimit(), BusinessFlows()]


@pytest.fixture(scope="module")
def vulnerable() -> Results:
    """The vulnerable bank scanned with these three checks, --aggressive as the demo does:
    nothing deletes the bank's accounts, so a default scan sends no scripted sign-up."""
    return scan_demo_only(_checks(), fixed=False, aggressive=True)


@pytest.fixture(scope="module")
def fixed() -> Results:
    """The fixed bank scanned with these three checks, --aggressive."""
    return scan_demo_only(_checks(), fixed=True, aggressive=True)


def test_every_flaw_of_the_area_is_in_the_ground_truth() -> None:
    """The four planted flaws of API4/API6 are all listed (the tests below cover each)."""
    assert {f.id for f in FLAWS} == MINE


@pytest.mark.parametrize("flaw", FLAWS, ids=[f.id for f in FLAWS])
def test_planted_flaw_is_found_at_medium_or_above(vulnerable: Results, flaw: object) -> None:
    """Each planted flaw has a finding of its category on its operation, medium or above."""
    hits = [
        f
        for f in vulnerable.findings
        if f.operation == flaw.operation  # type: ignore[attr-defined]
        and f.owasp.startswith(flaw.owasp + ":")  # type: ignore[attr-defined]
        and f.severity >= Severity.MEDIUM
    ]
    assert hits, [(f.check, f.operation, f.severity) for f in vulnerable.findings]
    assert all(f.confidence is Confidence.CONFIRMED for f in hits)


def test_nothing_of_medium_or_above_on_the_fixed_bank(fixed: Results) -> None:
    """The fixed bank refuses big pages and batches, caps referrals and single-uses codes."""
    assert [f.title for f in fixed.findings if f.severity >= Severity.MEDIUM] == []


def test_fixed_bank_still_shows_the_honest_low_findings(fixed: Results) -> None:
    """Open sign-up and reads without throttling are reported, as low."""
    assert on(fixed, "business_flows") == {"POST /api/v2/auth/register": "low"}
    assert set(on(fixed, "rate_limit").values()) == {"low"}


def test_findings_carry_evidence_and_a_key(vulnerable: Results) -> None:
    """Every finding carries at least two exchanges and names what it varied."""
    for finding in vulnerable.findings:
        assert len(finding.evidence) >= 2, finding.title
        assert finding.key, finding.title


def test_no_scan_errors(vulnerable: Results, fixed: Results) -> None:
    """No check crashed on either bank."""
    assert vulnerable.errors == fixed.errors == []


def test_safe_mode_skips_the_probes_that_create_data() -> None:
    """Under --safe: no flows, no padding, no filling; the batch probe still runs."""
    results = scan_demo_only(_checks(), fixed=False, safe=True)
    assert "business_flows" not in {f.check for f in results.findings}
    assert "POST /api/v2/accounts/lookup" in on(results, "resource_limits")
    unsafe = {(s.check, s.operation) for s in results.skipped if "--safe" in s.reason}
    assert ("business_flows", None) in unsafe
    assert ("resource_limits", "GET /api/v2/transfers") in unsafe
