"""The terminal rendering: summary table, each finding, then coverage; readable at 80 columns.

Returns rich renderables rather than printing, so a verb chooses its console (stdout,
a recording console in tests) and nothing here touches I/O. Every string that came from
the target or the user is escaped: a response body must not be able to style the terminal.
Long values are cut to the limits in :mod:`apiward.report.clip`, and skips are grouped
(:mod:`apiward.report.skips`), so a big scan prints pages, not megabytes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from apiward.core.findings import Finding, Severity
from apiward.core.redact import Redactor
from apiward.report import clip, summary
from apiward.report.grouping import Rule, by_rule
from apiward.report.model import Report
from apiward.report.redacted import prepare
from apiward.report.skips import DetailSkips, ReasonSkips, grouped

STYLES = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "bold yellow",
    Severity.LOW: "bold blue",
    Severity.INFO: "dim",
}
PARTIAL = "partial report: the run was cut short"
DETAILS_SHOWN = 12
"""Distinct skip details listed per reason; the rest are counted."""
CHECKS_NAMED = 4
"""Checks named beside a skip detail; the rest are counted."""


RULES_SHOWN = 10
"""Rules a brief rendering shows; the rest are counted."""
PLACES_SHOWN = 3
"""Places listed under each rule in a brief rendering; the rest are counted."""


def render(
    report: Report,
    redactor: Redactor,
    *,
    brief: bool = False,
    lead: Sequence[RenderableType] = (),
) -> Group:
    """The terminal rendering of ``report``, credentials redacted.

    ``lead`` (a verb's own tables, such as a risk ranking) follows the summary table.
    ``brief`` shows the top findings grouped by rule instead of every finding: a large
    contract gives thousands, which belong in the files (``--all`` on the verb).
    """
    report = prepare(report, redactor)
    parts: list[RenderableType] = [_headline(report), summary_table(report), *lead]
    if brief:
        parts += _by_rule(report)
    else:
        parts += [_finding(f, report.tool) for f in report.findings]
    parts.append(coverage(report))
    return Group(*parts)


def _by_rule(report: Report) -> list[RenderableType]:
    rules = by_rule(report.findings)
    if not rules:
        return []
    shown = rules[:RULES_SHOWN]
    count = len(report.findings)
    heading = (
        f"\nTop findings by rule ({len(shown)} of {len(rules)} rules, {count} finding"
        f"{'' if count == 1 else 's'}; every one with --all, or in --json/--report):"
    )
    return [Text(heading, style="bold"), *(_rule(rule, report.target) for rule in shown)]


def _place(f: Finding, target: str) -> str:
    """Where and what, once: the target's own file is named by line, a detail that
    repeats the operation is not prefixed with it again."""
    where = summary.where(f)
    if f.location is not None and f.location.source == target and f.location.line is not None:
        where = f"line {f.location.line}" + (f" {f.location.pointer}" if f.location.pointer else "")
    if not f.detail or f.detail.startswith(where):
        return f.detail or where
    return f"{where} — {f.detail}"


def _rule(rule: Rule, target: str) -> RenderableType:
    first = rule.members[0]
    counts = Counter(f.severity for f in rule.members)
    spread = ", ".join(f"{counts[s]} {s.value}" for s in summary.SEVERITIES if counts[s])
    title = Text.assemble(
        (f" {rule.worst.value.upper()} ", STYLES[rule.worst]),
        " ",
        (first.title, "bold"),
        f"  × {len(rule.members)}" if len(rule.members) > 1 else "",
    )
    owasp = summary.category(first) if first.owasp else ""
    tags = " · ".join(t for t in (owasp, first.cwe, rule.check, spread) if t)
    body: list[RenderableType] = [Text(tags, style="dim")]
    for f in rule.members[:PLACES_SHOWN]:
        body.append(Text(clip.cut(_place(f, target), clip.LINE)))
    if len(rule.members) > PLACES_SHOWN:
        body.append(Text(f"… {len(rule.members) - PLACES_SHOWN} more", style="dim"))
    if first.remediation:
        body.append(Text(f"fix: {first.remediation}", style="dim"))
    return Group(Text(), title, Padding(Group(*body), (0, 0, 0, 2), expand=False))


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


def _finding(f: Finding, tool: str) -> RenderableType:
    title = Text.assemble(
        (f" {f.severity.value.upper()} ", STYLES[f.severity]), " ", (f.title, "bold")
    )
    owasp = summary.category(f) if f.owasp else ""
    tags = " · ".join(t for t in (owasp, f.cwe, f.check, f.confidence.value) if t)
    body: list[RenderableType] = [Text(tags, style="dim")]
    if where := summary.where(f):
        body.append(Text(where, style="cyan"))
    if f.detail:
        body.append(Text(clip.cut(f.detail, clip.TEXT)))
    if f.reproduction:
        shown = clip.reproduction(f)
        body.append(Text(f"$ {shown}", style="green"))
        if shown != f.reproduction:
            body.append(Text(clip.regenerate(f, tool), style="dim"))
    if f.remediation:
        body.append(Text(f"fix: {f.remediation}", style="dim"))
    # Indented as a block, so wrapped lines stay under their finding.
    return Group(Text(), title, Padding(Group(*body), (0, 0, 0, 2), expand=False))


TOP_REQUESTERS = 8


def coverage(report: Report) -> RenderableType:
    """Checks run, operations, skips by reason, stats, notes, and the partial-report line."""
    lines: list[RenderableType] = [
        Text.assemble(("\ncoverage: ", "bold"), summary.coverage_line(report))
    ]
    if report.skipped:
        lines.append(Text("  skips by reason, then detail · checks · operations:", "dim"))
    for group in grouped(report.skipped):
        lines += _skip_group(group)
    if plain := summary.plain_stats(report):
        stats = ", ".join(f"{name.replace('_', ' ')} {value}" for name, value in plain)
        lines.append(Text(f"  {stats}", style="dim"))
    if by := summary.requests_by(report):
        top = ", ".join(f"{who} {n}" for who, n in by[:TOP_REQUESTERS])
        more = (
            f" (+{len(by) - TOP_REQUESTERS} more in the JSON report)"
            if len(by) > TOP_REQUESTERS
            else ""
        )
        lines.append(Text(f"  requests by phase and check: {top}{more}", style="dim"))
    lines += [
        Text(f"  {row['treatment']}  {row['operation']}  ({row['why']})", style="dim")
        for row in report.tables.get("scope", ())
    ]
    lines += [Text(f"  note: {clip.cut(note, clip.TEXT)}", style="yellow") for note in report.notes]
    if not report.complete:
        lines.append(Text(PARTIAL, style="bold yellow"))
    return Group(*lines)


def _skip_group(group: ReasonSkips) -> list[RenderableType]:
    """A reason's count, then each distinct detail with its checks and operations."""
    lines = [_counted(None, group.reason, indent=2, lead=f"skipped {group.count:>4}")]
    lines += [_counted(d.count, _detail(d), indent=16) for d in group.details[:DETAILS_SHOWN]]
    if len(group.details) > DETAILS_SHOWN:
        more = len(group.details) - DETAILS_SHOWN
        lines.append(_counted(None, f"… {more} more details (--json lists each)", indent=16))
    return lines


def _detail(skips: DetailSkips) -> str:
    checks = ", ".join(skips.checks[:CHECKS_NAMED])
    if len(skips.checks) > CHECKS_NAMED:
        checks += f" +{len(skips.checks) - CHECKS_NAMED} more"
    operations = f"{skips.operations} operation{'' if skips.operations == 1 else 's'}"
    parts = [clip.cut(skips.detail, clip.LINE)] if skips.detail else []
    return " · ".join([*parts, checks, operations])


def _counted(count: int | None, text: str, *, indent: int, lead: str = "") -> RenderableType:
    """A right-aligned count (or lead) and a text that wraps under itself, not under it."""
    grid = Table.grid(padding=(0, 2, 0, 0))
    grid.add_column(justify="right", width=len(lead) or 4)
    grid.add_column(overflow="fold")
    grid.add_row(lead or ("" if count is None else str(count)), Text(text))
    return Padding(grid, (0, 0, 0, indent), expand=False)
