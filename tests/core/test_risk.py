"""An API's risk score: the chance that at least one open finding is the way in."""

from __future__ import annotations

import pytest

from apiward.core.findings import Severity
from apiward.core.risk import risk_score


@pytest.mark.parametrize(
    ("open_findings", "score"),
    [
        ({}, 0),
        ({Severity.INFO: 40}, 0),
        ({Severity.CRITICAL: 1}, 50),
        ({Severity.HIGH: 1}, 25),
        ({Severity.HIGH: 2}, 44),
        ({Severity.MEDIUM: 10}, 57),
        ({Severity.CRITICAL: 2, Severity.HIGH: 3}, 89),
    ],
)
def test_score_of_open_findings(open_findings: dict[Severity, int], score: int) -> None:
    """Each severity weighs as the README says, and the chances combine."""
    assert risk_score(open_findings) == score


def test_lows_never_outweigh_a_critical_and_the_score_stays_under_100() -> None:
    """Twenty lows are below one critical; a thousand criticals are still 100."""
    assert risk_score({Severity.LOW: 20}) < risk_score({Severity.CRITICAL: 1})
    assert risk_score({Severity.CRITICAL: 1000}) == 100
