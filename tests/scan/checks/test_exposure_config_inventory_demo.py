"""The exposure, misconfiguration, inventory and version checks on the demo bank."""

from __future__ import annotations

import pytest

from apiward.core.findings import Severity
from apiward.demo import load_ground_truth, matches
from apiward.scan import Results

MINE = {
    "excessive-data-password-hash": "excessive_data",
    "excessive-data-card-number": "excessive_data",
    "excessive-data-account-notes": "excessive_data",
    "stack-trace-in-errors": "error_disclosure",
    "cors-reflects-any-origin": "cors",
    "missing-security-headers": "security_headers",
    "debug-config-exposed": "debug_endpoints",
    "zombie-v1-account": "deprecated_operation",
    "zombie-v1-user": "deprecated_operation",
    "shadow-internal-user-export": "shadow_endpoints",
}
CHECKS = set(MINE.values()) | {"trace_method", "version_disclosure", "old_versions"}
FLAWS = [f for f in load_ground_truth() if f.id in MINE]


def test_every_flaw_of_the_area_is_in_the_ground_truth() -> None:
    """The ids above are all planted in the demo (a renamed flaw fails here, not silently)."""
    assert {f.id for f in FLAWS} == set(MINE)


@pytest.mark.parametrize("flaw", FLAWS, ids=[f.id for f in FLAWS])
def test_found_by_its_check(vulnerable: Results, flaw: object) -> None:
    """Each planted flaw has a matching finding from the check meant for it."""
    found = [f for f in vulnerable.findings if f.check == MINE[flaw.id] and matches(f, flaw)]  # type: ignore[attr-defined]
    assert found


def test_secrets_are_high(vulnerable: Results) -> None:
    """The password hash on /me and the card data on /cards are high, confirmed findings."""
    high = {
        (f.operation, f.key)
        for f in vulnerable.findings
        if f.check == "excessive_data" and f.severity is Severity.HIGH
    }
    assert ("GET /api/v2/me", "password_hash") in high
    assert ("GET /api/v2/cards", "[].number") in high


def test_nothing_medium_or_above_on_the_fixed_bank(fixed: Results) -> None:
    """The fixed bank gives these checks nothing of medium severity or above."""
    alarms = [
        f"{f.check} {f.operation} {f.key}"
        for f in fixed.findings
        if f.check in CHECKS and f.severity >= Severity.MEDIUM
    ]
    assert alarms == []


def test_no_errors_in_these_checks(vulnerable: Results, fixed: Results) -> None:
    """None of these checks crashed on either bank."""
    errors = [e for e in vulnerable.errors + fixed.errors if e.split(" ", 1)[0] in CHECKS]
    assert errors == []
