"""The scanner's acceptance test on the demo bank: every planted flaw found, no false alarm.

A finding *matches* a planted flaw (``apiward.demo.matches``) when it is about the flaw's
operation (``METHOD path``) **and** names the flaw's specific CWE: a weak HMAC secret
found only as "JWT signature not verified" on the same operation does not count.

A flaw that only destroying an object the scan did not create could show (a customer
deleting a real promo code) is never probed: it must then be reported as not tested, with
the ``destructive`` skip reason, rather than silently missed.
"""

from __future__ import annotations

import pytest
from scan_support import scan_demo

from apiward.core.findings import Severity
from apiward.demo import PlantedFlaw, load_ground_truth, matches
from apiward.scan import Results
from apiward.scan.check import SkipReason

FLAWS = load_ground_truth()


@pytest.mark.parametrize("flaw", FLAWS, ids=[f.id for f in FLAWS])
def test_every_planted_flaw_is_found(vulnerable: Results, flaw: PlantedFlaw) -> None:
    """Recall 100%: each flaw has a matching finding, or is reported untested as destructive."""
    found = [f for f in vulnerable.findings if matches(f, flaw)]
    refused = {s.operation for s in vulnerable.skipped if s.reason == SkipReason.DESTRUCTIVE}
    if not found and flaw.operation in refused:
        return  # never probed on purpose: deleting others' objects is not the scan's to do
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


def test_safe_mode_skips_unsafe_probes_and_says_so() -> None:
    """Under --safe, probes that would change others' data are skipped with that reason."""
    results = scan_demo(fixed=False, safe=True)
    assert results.errors == []
    unsafe = {s.check for s in results.skipped if "--safe" in s.reason}
    assert unsafe, "no check was skipped for --safe"
