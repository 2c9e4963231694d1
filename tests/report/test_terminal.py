"""The terminal rendering: summary table, findings, coverage, and the partial-report line."""

from __future__ import annotations

import dataclasses
import io

from rich.console import Console
from tests.report.samples import XSS, bola_finding, empty_report, full_report

from apiward.core.redact import Redactor
from apiward.report import Report, Skipped, render_terminal
from apiward.report.terminal import CHECKS_NAMED, DETAILS_SHOWN, PARTIAL


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


def _skips(*triples: tuple[str, str | None, str], reason: str = "precondition not met") -> Report:
    skipped = tuple(
        Skipped(check=check, operation=operation, reason=reason, detail=detail)
        for check, operation, detail in triples
    )
    return dataclasses.replace(empty_report(), skipped=skipped)


def test_skips_are_grouped_by_reason_then_detail_naming_checks() -> None:
    """A reason's skips list each distinct detail with its count, checks and operations."""
    report = _skips(
        *((("ssrf", f"GET /a{i}", "no URL-valued input")) for i in range(29)),
        *((("unsafe_consumption", f"GET /a{i}", "no URL-valued input")) for i in range(29)),
        *((("resource_limits", f"POST /b{i}", "no size parameter or body")) for i in range(8)),
        ("cors", None, ""),
    )
    lines = [" ".join(line.split()) for line in _text(report, width=200).splitlines()]
    start = lines.index("skipped 67 precondition not met")
    assert lines[start + 1 : start + 4] == [
        "58 no URL-valued input · ssrf, unsafe_consumption · 29 operations",
        "8 no size parameter or body · resource_limits · 8 operations",
        "1 cors · 1 operation",
    ]


def test_many_skip_details_are_counted_not_listed() -> None:
    """Past DETAILS_SHOWN distinct details a reason's last line says how many more there are."""
    count = DETAILS_SHOWN + 3
    report = _skips(*((("ssrf", f"POST /x{i}", f"field {i} is not a URL")) for i in range(count)))
    text = _text(report)
    assert text.count("is not a URL") == DETAILS_SHOWN
    assert "… 3 more details (--json lists each)" in text


def test_many_checks_are_counted_not_named() -> None:
    """A detail shared by many checks names the first CHECKS_NAMED and counts the rest."""
    report = _skips(*((f"check{i}", "GET /x", "no input") for i in range(CHECKS_NAMED + 2)))
    assert "check0, check1, check2, check3 +2 more · 1 operation" in _text(report, width=200)


def test_a_big_scan_s_skips_take_a_few_lines() -> None:
    """191 skips of 6 checks with 3 details each print in under 20 lines, not one per pair."""
    triples = [(f"check{i % 6}", f"GET /op{i}", f"detail {i % 3}") for i in range(191)]
    assert len(_text(_skips(*triples)).splitlines()) < 20
