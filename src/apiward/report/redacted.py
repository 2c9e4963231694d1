"""The one step every writer starts with: redact, sort and de-duplicate a report."""

from __future__ import annotations

import dataclasses
from types import MappingProxyType

from apiward.core.findings import Finding, sorted_findings
from apiward.core.redact import Redactor
from apiward.report.model import Ran, Report, Row, Skipped


def prepare(report: Report, redactor: Redactor) -> Report:
    """``report`` as a writer may show it: credentials masked everywhere, everything in order.

    Findings go through ``Redactor.finding`` (evidence, reproduction, detail) and the free
    text a check or verb might echo a credential into (titles, remediation, notes, skip
    reasons and details, the target URL) through ``Redactor.text``, which also knows every
    credential value the findings' headers and curl lines carry (``Redactor.learning``). A finding's ``key`` stays as it is:
    the fingerprint is computed from it and must not change with ``--show-secrets``, so
    checks put parameter names there, never values. Ordering makes output independent of
    the order a concurrent run happened to record things in.
    """
    # Credentials the target issued mid-scan are learned where they sit, then hidden everywhere.
    redactor = redactor.learning(report.findings)
    findings = tuple(sorted_findings(_finding(f, redactor) for f in report.findings))
    ran = tuple(sorted(set(report.ran), key=_ran_key))
    skipped = tuple(sorted({_skipped(s, redactor) for s in report.skipped}, key=_skip_key))
    stats = {
        name: redactor.text(value) if isinstance(value, str) else value
        for name, value in sorted(report.stats.items())
    }
    # The counts say what the lists show, once each (a skip recorded twice is one skip).
    counted = {"checks_run": len(ran), "checks_skipped": len(skipped)}
    stats |= {name: n for name, n in counted.items() if name in stats}
    return dataclasses.replace(
        report,
        target=redactor.text(report.target),
        findings=findings,
        ran=ran,
        skipped=skipped,
        stats=MappingProxyType(stats),
        notes=tuple(redactor.text(note) for note in report.notes),
        tables=MappingProxyType(
            {
                name: tuple(_row(row, redactor) for row in rows)
                for name, rows in report.tables.items()
            }
        ),
    )


def _row(row: Row, redactor: Redactor) -> Row:
    # Tables carry text from the target too (the scan's target state holds undo requests).
    return MappingProxyType(
        {k: redactor.text(v) if isinstance(v, str) else v for k, v in row.items()}
    )


def _finding(finding: Finding, redactor: Redactor) -> Finding:
    redacted = redactor.finding(finding)
    title, remediation = redactor.text(redacted.title), redactor.text(redacted.remediation)
    if title == redacted.title and remediation == redacted.remediation:
        return redacted
    return dataclasses.replace(redacted, title=title, remediation=remediation)


def _skipped(skipped: Skipped, redactor: Redactor) -> Skipped:
    return dataclasses.replace(
        skipped, reason=redactor.text(skipped.reason), detail=redactor.text(skipped.detail)
    )


def _ran_key(ran: Ran) -> tuple[str, str]:
    return (ran.check, ran.operation or "")


def _skip_key(skipped: Skipped) -> tuple[str, str, str, str]:
    return (skipped.check, skipped.operation or "", skipped.reason, skipped.detail)
