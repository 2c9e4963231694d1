"""A scan's results as the report every format renders, and as one summary line.

Beside the results, not in the CLI, so ``apiward scan``, ``apiward demo``, the queue's
workers and library users map them the same way::

    from apiward.report.scan_results import scan_report, summary_line

    results = await scan(api, config, builtin_checks())
    report = scan_report(config.target, started, results, contract="openapi.yaml")
    print(summary_line(results))

A scan cut short is reported from ``Scan(api, config, checks).results`` after its
``run()`` raised: the same mapping, ``complete=False``.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from types import MappingProxyType

from rich.console import RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from apiward.core.findings import sorted_findings
from apiward.report.model import REQUEST_COLUMNS, REQUESTS, Ran, Report, Row, Skipped
from apiward.scan import Results, TargetChange, Treated
from apiward.scan.changes import State
from apiward.scan.transport import Sent

TARGET_STATE = "target_state"
"""The report table of what the scan changed on the target (``scan.restore``)."""
STATE_COLUMNS = ("what", "object", "state", "by", "detail", "undo")


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
    notes = [*results.notes, *(f"scan error: {e}" for e in results.errors), _state_note(results)]
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
        tables=MappingProxyType(
            {
                TARGET_STATE: tuple(_state_row(c) for c in results.target_state),
                REQUESTS: tuple(_request_row(sent) for sent in results.requests),
                **(
                    {"scope": tuple(_scope_row(t) for t in results.treated)}
                    if results.treated
                    else {}
                ),
            }
        ),
        contract=contract,
    )


def _state_row(change: TargetChange) -> Row:
    """One change the scan made, as a row of the ``target_state`` table."""
    values = (
        change.what.value,
        change.object,
        change.state.value,
        change.by,
        change.detail,
        change.undo,
    )
    return MappingProxyType(dict(zip(STATE_COLUMNS, values, strict=True)))


def _request_row(sent: Sent) -> Row:
    """One request the scan sent, as a row of the ``requests`` table."""
    values = (
        sent.request_id,
        sent.by,
        sent.method,
        sent.path,
        sent.target,
        sent.operation,
        sent.status,
    )
    return MappingProxyType(dict(zip(REQUEST_COLUMNS, values, strict=True)))


_TOLD = {State.DELETED.value: "deleted (the scan's own objects, removed)"}
"""A trial's user read "4 deleted" as four rows of the target's own data gone."""


def _state_note(results: Results) -> str:
    """The target state in one line."""
    if not (results.complete or results.restored):
        return "target state: not restored, the scan was cut short before its restore phase"
    counts = Counter(c.state.value for c in results.target_state)
    if not counts:
        return "target state: the scan changed nothing it could see"
    told = ", ".join(f"{n} {_TOLD.get(state, state)}" for state, n in sorted(counts.items()))
    if results.damaged:
        verdict = "DAMAGED (exit code 3)"
    elif counts.get(State.LEFT.value):
        verdict = "not as found: what the scan made and could not delete stays"
    else:
        verdict = "left as found"
    return f"target state: {verdict}: rows {told} (see the target_state table)"


def target_state(report: Report) -> list[RenderableType]:
    """The report's target state for a terminal (give it a redacted report).

    A table of the changes, then each undo command on a line of its own, never wrapped:
    at 80 columns a command folded into a cell cannot be copied into a shell.
    """
    rows = report.tables.get(TARGET_STATE, ())
    table = Table(title="target state: what the scan changed", title_justify="left")
    for column in STATE_COLUMNS:
        table.add_column(column, overflow="fold")
    undo: list[RenderableType] = []
    for row in rows:
        command = str(row.get("undo") or "")
        cells = [escape(str(row.get(c) or "")) for c in STATE_COLUMNS[:-1]]
        if command:
            number = len(undo) // 2 + 1
            undo += [Text(f"# [{number}] {row.get('object') or ''}", style="dim"), Text(command)]
            cells.append(escape(f"[{number}] below"))
        else:
            cells.append("")
        table.add_row(*cells)
    if undo:
        return [table, Text("undo commands, one per line:"), *undo]
    return [table]


def _scope_row(treated: Treated) -> Row:
    """An operation excluded by --include/--exclude or treated as destructive, and why."""
    return MappingProxyType(
        {"operation": treated.operation, "treatment": treated.treatment, "why": treated.why}
    )


def summary_line(results: Results) -> str:
    """Coverage in one line: operations a check ran on (and sent to), requests, checks, skips."""
    stats = results.stats
    skipped = ", ".join(f"{n} {reason}" for reason, n in results.skip_counts().most_common())
    checked = len({operation for _, operation in results.ran if operation})
    return (
        f"scan: {checked}/{stats.get('operations', 0)} operations exercised by a check "
        f"({stats.get('operations_sent', 0)} sent requests), "
        f"{stats.get('requests', 0)} requests in {stats.get('seconds', 0)} s, "
        f"{stats.get('checks_run', 0)} check runs, {len(results.skipped)} skipped"
        + (f" ({skipped})" if skipped else "")
        + ("" if results.complete else "; PARTIAL")
    )
