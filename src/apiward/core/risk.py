"""An API's risk score: one number from 0 to 100 for its open findings, riskiest first.

Each open finding is read as a chance that the API is breached through it: critical
50 %, high 25 %, medium 8 %, low 2 %, info 0. The score is the chance that at least one
of them is, ``100 × (1 − Π (1 − p))``, rounded. So one critical alone is 50, one high
25, two highs 44, ten mediums 57; many lows never outweigh one critical, and the score
never passes 100 however many findings pile up. Findings triaged away do not count.
"""

from __future__ import annotations

from collections.abc import Mapping

from apiward.core.findings import Severity

CHANCE: Mapping[Severity, float] = {
    Severity.CRITICAL: 0.50,
    Severity.HIGH: 0.25,
    Severity.MEDIUM: 0.08,
    Severity.LOW: 0.02,
    Severity.INFO: 0.0,
}


def risk_score(open_findings: Mapping[Severity, int]) -> int:
    """The 0–100 risk of an API with ``open_findings`` (count by severity)."""
    safe = 1.0
    for severity, count in open_findings.items():
        safe *= (1.0 - CHANCE[severity]) ** count
    return round(100 * (1.0 - safe))
