"""A scan's results as the report every format renders, and as one summary line.

Beside the results, not in the CLI, so ``apiward scan``, ``apiward demo`` and library
users map them the same way::

    from apiward.report.scan_results import scan_report, summary_line

    results = Results()
    await scan(api, config, builtin_checks(), results)
    report = scan_report(config.target, started, results, contract="openapi.yaml")
    print(summary_line(results))
"""

from __future__ import annotations

from datetime import UTC, datetime

from apiward.core.findings import sorted_findings
from apiward.report.model import Ran, Report, Skipped
from apiward.scan import Results


def scan_report(
    target: str,
    started: datetime,
    results: Results,
    *,
    contract: str | None = None,
    finished: datetime | None = None,
) -> Report:
    """The report every writer renders, from a scan's results (partial ones too).

    ``finished`` defaults to now; scan errors become notes, so a crash is never silent.
    """
    notes = [*results.notes, *(f"scan error: {e}" for e in results.errors)]
    return Report(
        tool="scan",
        target=target,
        started=started,
        finished=finished or datetime.now(UTC),
        findings=tuple(sorted_findings(results.findings)),
        ran=tuple(Ran(check=c, operation=o) for c, o in results.ran),
        skipped=tuple(
            Skipped(check=s.check, reason=s.reason, operation=s.operation, detail=s.detail)
            for s in results.skipped
        ),
        stats=dict(results.stats),
        complete=results.complete,
        notes=tuple(notes),
        contract=contract,
    )


def summary_line(results: Results) -> str:
    """Coverage in one line: operations exercised, requests, checks run, skipped by reason."""
    stats = results.stats
    skipped = ", ".join(f"{n} {reason}" for reason, n in results.skip_counts().most_common())
    return (
        f"scan: {stats.get('operations_exercised', 0)}/{stats.get('operations', 0)} operations "
        f"exercised, {stats.get('requests', 0)} requests in {stats.get('seconds', 0)} s, "
        f"{stats.get('checks_run', 0)} check runs, {len(results.skipped)} skipped"
        + (f" ({skipped})" if skipped else "")
        + ("" if results.complete else "; PARTIAL")
    )
