"""The JSON report: a stable, documented schema (docs/report-json.md), ``schema_version`` 1.

Additive changes (a new field) keep version 1; renaming, removing or changing the meaning
of a field bumps it, so a consumer can refuse what it does not understand.
"""

from __future__ import annotations

import json

from apiward import __version__
from apiward.core.redact import Redactor
from apiward.report import serialize, summary
from apiward.report.model import Report
from apiward.report.redacted import prepare

SCHEMA_VERSION = 1


def render(report: Report, redactor: Redactor) -> str:
    """``report`` as JSON text (two-space indent, trailing newline), credentials redacted."""
    report = prepare(report, redactor)
    document = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "apiward", "version": __version__, "verb": report.tool},
        "target": report.target,
        "started": summary.iso(report.started),
        "finished": summary.iso(report.finished),
        "duration_seconds": summary.duration(report),
        "complete": report.complete,
        "summary": _summary(report),
        "stats": dict(report.stats),
        "tables": {name: [dict(row) for row in rows] for name, rows in report.tables.items()},
        "notes": list(report.notes),
        "findings": [serialize.finding(f) for f in report.findings],
        "ran": [serialize.ran(r) for r in report.ran],
        "skipped": [serialize.skipped(s) for s in report.skipped],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _summary(report: Report) -> dict[str, object]:
    return {
        "findings": len(report.findings),
        "by_severity": {sev.value: n for sev, n in summary.by_severity(report.findings).items()},
        "by_category": {
            cat: {sev.value: n for sev, n in counts.items()}
            for cat, counts in summary.by_category(report.findings).items()
        },
        "checks_run": len(report.ran),
        "operations_exercised": summary.operations_covered(report),
        "skipped": len(report.skipped),
        "skipped_by_reason": dict(summary.skipped_by_reason(report.skipped)),
    }
