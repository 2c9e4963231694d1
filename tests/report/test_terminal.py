"""The terminal rendering: summary table, findings, coverage, and the partial-report line."""

from __future__ import annotations

import dataclasses
import io

from rich.console import Console
from tests.report.samples import XSS, bola_finding, empty_report, full_report

from apiward.core.redact import Redactor
from apiward.report import Report, render_terminal
from apiward.report.terminal import PARTIAL


def _text(report: Report, width: int = 80) -> str:
    console = Console(width=width, color_system=None, file=io.StringIO())
    console.print(render_terminal(report, Redactor()))
    return console.file.getvalue()  # type: ignore[attr-defined, no-any-return]


def test_summary_table_counts_by_category_and_severity(report: Report) -> None:
    """The table has a row per category and a total row, with severities as columns."""
    text = _text(report)
    header = next(line for line in text.splitlines() if "critical" in line)
    assert [h in header for h in ("high", "medium", "low", "info", "total")] == [True] * 5
    bola_row = next(line for line in text.splitlines() if "API1 BOLA" in line)
    assert [c.strip() for c in bola_row.split("│")[2:-1]] == ["·", "1", "·", "·", "·", "1"]
    total_row = next(line for line in text.splitlines() if line.startswith("│ total"))
    assert total_row.split("│")[-2].strip() == "3"


def test_each_finding_shows_severity_title_where_detail_and_reproduction(report: Report) -> None:
    """A finding prints its severity, title, operation or location, detail and curl line."""
    text = _text(report, width=200)
    assert "HIGH  Another user's account is readable" in text
    assert "GET /api/v2/accounts/{account_id}" in text
    assert "bob read account 2, owned by alice" in text
    assert "$ curl -H 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.[redacted]" in text
    assert "specs/bank.yaml:42 (at /paths/~1admin/get)" in text


def test_coverage_counts_runs_and_skips_by_reason(report: Report) -> None:
    """Coverage says how many checks ran on how many operations, and skips per reason."""
    text = _text(report)
    assert "5 checks run (check × operation) on 3 operations, 3 skipped" in text
    assert "skipped    2  no identity with access" in text
    assert "note: identities: alice, bob, admin" in text
    assert PARTIAL not in text


def test_partial_run_says_it_was_cut_short() -> None:
    """A report with complete=False ends with the partial-report line."""
    assert _text(full_report(bola_finding(), complete=False)).rstrip().endswith(PARTIAL)


def test_fits_in_80_columns(report: Report) -> None:
    """No line is wider than an 80-column terminal."""
    assert max(len(line) for line in _text(report).splitlines()) <= 80


def test_markup_in_findings_is_printed_as_text() -> None:
    """Rich markup in text from the target is shown literally, never interpreted."""
    finding = dataclasses.replace(bola_finding(), detail="[bold red]boom[/] " + XSS)
    assert "[bold red]boom[/] <script>" in _text(full_report(finding), width=200)


def test_empty_report_says_no_findings() -> None:
    """A run without findings prints that, and its coverage."""
    text = _text(empty_report())
    assert "No findings." in text
    assert "0 checks run" in text
