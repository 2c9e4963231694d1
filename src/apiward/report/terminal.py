"""The terminal rendering: summary table, each finding, then coverage; readable at 80 columns.

Returns rich renderables rather than printing, so a verb chooses its console (stdout,
a recording console in tests) and nothing here touches I/O. Every string that came from
the target or the user is escaped: a response body must not be able to style the terminal.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from apiward.core.findings import Finding, Severity
from apiward.core.redact import Redactor
from apiward.report import summary
from apiward.report.model import Report
from apiward.report.redacted import prepare

STYLES = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "bold yellow",
    Severity.LOW: "bold blue",
    Severity.INFO: "dim",
}
PARTIAL = "partial report: the run was cut short"


def render(report: Report, redactor: Redactor) -> Group:
    """The whole terminal rendering of ``report``, credentials redacted."""
    report = prepare(report, redactor)
    parts: list[RenderableType] = [_headline(report), summary_table(report)]
    parts += [_finding(f) for f in report.findings]
    parts.append(coverage(report))
    return Group(*parts)


def _headline(report: Report) -> Text:
    count = len(report.findings)
    text = Text.assemble(
        (f"apiward {report.tool}", "bold"),
        f" · {report.target} · {count} finding{'' if count == 1 else 's'}",
        f" · {summary.duration(report):.1f} s",
    )
    if not report.complete:
        text.append(" · partial", style="bold yellow")
    return text


def summary_table(report: Report) -> RenderableType:
    """Findings counted by OWASP category (rows) and severity (columns), with totals."""
    if not report.findings:
        return Text("No findings.", style="green")
    table = Table(title="Findings by category and severity", title_justify="left")
    table.add_column("category", overflow="fold")
    for severity in summary.SEVERITIES:
        table.add_column(severity.value, justify="right", header_style=STYLES[severity])
    table.add_column("total", justify="right")
    rows = summary.by_category(report.findings)
    for i, (cat, counts) in enumerate(rows.items()):
        label = escape(summary.category_name(cat, short=True))
        total = str(sum(counts.values()))
        table.add_row(label, *_cells(counts.values()), total, end_section=i == len(rows) - 1)
    totals = summary.by_severity(report.findings).values()
    table.add_row("total", *_cells(totals), str(len(report.findings)), style="bold")
    return table


def _cells(counts: Iterable[int]) -> list[str]:
    # A dot for zero lets the eye find the non-empty cells.
    return [str(n) if n else "·" for n in counts]


def _finding(f: Finding) -> RenderableType:
    title = Text.assemble(
        (f" {f.severity.value.upper()} ", STYLES[f.severity]), " ", (f.title, "bold")
    )
    tags = " · ".join(t for t in (f.owasp, f.cwe, f.check, f.confidence.value) if t)
    body: list[RenderableType] = [Text(tags, style="dim")]
    if where := summary.where(f):
        body.append(Text(where, style="cyan"))
    if f.detail:
        body.append(Text(f.detail))
    if f.reproduction:
        body.append(Text(f"$ {f.reproduction}", style="green"))
    if f.remediation:
        body.append(Text(f"fix: {f.remediation}", style="dim"))
    # Indented as a block, so wrapped lines stay under their finding.
    return Group(Text(), title, Padding(Group(*body), (0, 0, 0, 2), expand=False))


def coverage(report: Report) -> RenderableType:
    """Checks run, operations, skips by reason, stats, notes, and the partial-report line."""
    lines: list[RenderableType] = [
        Text.assemble(
            ("\ncoverage: ", "bold"),
            f"{len(report.ran)} checks run (check × operation) on "
            f"{summary.operations_covered(report)} operations, {len(report.skipped)} skipped",
        )
    ]
    for reason, count in summary.skipped_by_reason(report.skipped):
        lines.append(Text(f"  skipped {count:>4}  {reason}"))
    if report.stats:
        stats = ", ".join(
            f"{name.replace('_', ' ')} {value}" for name, value in report.stats.items()
        )
        lines.append(Text(f"  {stats}", style="dim"))
    lines += [Text(f"  note: {note}", style="yellow") for note in report.notes]
    if not report.complete:
        lines.append(Text(PARTIAL, style="bold yellow"))
    return Group(*lines)
