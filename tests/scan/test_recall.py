"""The scanner's acceptance test on the demo bank: every planted flaw found, no false alarm.

A finding *matches* a planted flaw (``apiward.demo.matches``) when it is about the flaw's
operation (``METHOD path``) **and** names the flaw's specific CWE: a weak HMAC secret
found only as "JWT signature not verified" on the same operation does not count.

The vulnerable bank is fresh for each test run and thrown away after it, so it is scanned
``--aggressive``, as ``apiward demo run`` does: a customer deleting a real promo code can
only be shown by deleting one. A default scan never sends that DELETE and says so with the
``destructive`` skip reason (checked on the fixed bank, scanned by default).
"""

from __future__ import annotations

import pytest

from apiward.core.findings import Severity
from apiward.demo import PlantedFlaw, load_ground_truth, matches
from apiward.scan import Results
from apiward.scan.check import SkipReason

FLAWS = load_ground_truth()


@pytest.mark.parametrize("flaw", FLAWS, ids=[f.id for f in FLAWS])
def test_every_planted_flaw_is_found(vulnerable: Results, flaw: PlantedFlaw) -> None:
    """Recall 100% (--aggressive): each planted flaw has a matching finding."""
    found = [f for f in vulnerable.findings if matches(f, flaw)]
    on_operation = sorted(
        {(f.check, f.owasp) for f in vulnerable.findings if f.operation == flaw.operation}
    )
    assert found, f"{flaw.id} ({flaw.owasp} {flaw.operation}) not found; on it: {on_operation}"


def test_no_false_positive_of_medium_or_above_on_the_fixed_bank(fixed: Results) -> None:
    """The fixed bank yields no finding of medium severity or above."""
    alarms = [
        f"{f.severity} {f.check} {f.operation}: {f.title}"
        for f in fixed.findings
        if f.severity >= Severity.MEDIUM
    ]
    assert alarms == []


def test_a_default_scan_never_deletes_a_seeded_object(fixed: Results) -> None:
    """Without --aggressive, the DELETE of a seeded promo code is skipped as destructive."""
    refused = {s.operation for s in fixed.skipped if s.reason == SkipReason.DESTRUCTIVE}
    assert "DELETE /api/v2/promo-codes/{code}" in refused


def test_safe_mode_skips_unsafe_probes_and_says_so(vulnerable_safe: Results) -> None:
    """Under --safe, probes that would change others' data are skipped with that reason."""
    results = vulnerable_safe
    assert results.errors == []
    unsafe = {s.check for s in results.skipped if "--safe" in s.reason}
    assert unsafe, "no check was skipped for --safe"
