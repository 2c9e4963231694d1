"""The HTML report: self-contained, escaped everywhere, chart from data, evidence cut to size."""

from __future__ import annotations

import dataclasses
import re

from tests.report.samples import XSS, bola_finding, empty_report, full_report

from apiward.core.findings import Exchange, RecordedRequest, RecordedResponse, Severity
from apiward.core.redact import Redactor
from apiward.report import FORMATS, Report, chart, clip, summary


def _html(report: Report) -> str:
    return FORMATS.get("html")(report, Redactor())


def _hostile_report() -> Report:
    """Attacker-controlled text in every place a finding can carry it."""
    request = RecordedRequest(
        method="GET",
        url=f"http://127.0.0.1:8000/search?q={XSS}",
        headers=(("X-Echo", XSS),),
        body=XSS,
    )
    response = RecordedResponse(status=200, headers=((XSS, XSS),), body=f"<html>{XSS}</html>")
    finding = dataclasses.replace(
        bola_finding(),
        title=f"title {XSS}",
        detail=f"detail {XSS}",
        remediation=f"fix {XSS}",
        operation=f"GET /search/{XSS}",
        reproduction=f"curl '{XSS}'",
        evidence=(Exchange(request=request, response=response, note=XSS),),
    )
    return dataclasses.replace(
        full_report(finding), target=f"http://127.0.0.1:8000/{XSS}", notes=(XSS,)
    )


def test_hostile_text_is_escaped_everywhere() -> None:
    """A script tag in detail, URL, headers, body, note, target or title never reaches the page raw."""
    html = _html(_hostile_report())
    assert "<script>" not in html
    # Each of the 14 places the string was put shows up escaped.
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 14


def test_page_is_self_contained(report: Report) -> None:
    """No script, no external stylesheet, image or font: nothing is fetched when it opens."""
    html = _html(report)
    assert "<script" not in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "<link" not in html
    assert "@import" not in html
    assert "default-src 'none'" in html


def test_header_shows_target_times_and_counts(report: Report) -> None:
    """The header names the target, the start and finish times and the counts."""
    html = _html(report)
    assert "http://127.0.0.1:8000" in html
    assert "2026-03-01 09:30:00 UTC" in html
    assert "2026-03-01 09:31:12 UTC" in html
    assert "72.5 s" in html


def test_chart_has_a_bar_segment_per_category_and_severity(report: Report) -> None:
    """The inline SVG draws one rectangle per non-zero category × severity."""
    html = _html(report)
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert svg.count("<rect") == 3
    assert "API1 BOLA" in svg


def test_chart_scales_the_busiest_category_to_full_width() -> None:
    """Bars are proportional: the largest total spans the bar width, others a share of it."""
    geometry = chart.build(
        {
            "API1:2023": {Severity.HIGH: 3, Severity.LOW: 1},
            "API8:2023": {Severity.MEDIUM: 2},
        }
    )
    first, second = geometry.rows
    assert sum(s.width for s in first.segments) == chart.BAR_WIDTH
    assert [s.severity for s in first.segments] == [Severity.HIGH, Severity.LOW]
    assert second.segments[0].width == chart.BAR_WIDTH / 2


def test_each_finding_has_badge_detail_remediation_and_reproduction(report: Report) -> None:
    """A finding's card shows severity, OWASP name, CWE, where, detail, fix and the curl line."""
    html = _html(report)
    card = html[html.index('id="finding-' + report.findings[0].fingerprint) :]
    card = card[: card.index("</article>")]
    assert 'class="badge high"' in card
    assert "API1:2023 Broken Object Level Authorization" in card
    assert "CWE-639" in card
    assert "GET /api/v2/accounts/{account_id}" in card
    assert "bob read account 2" in card
    assert "Check that the account belongs" in card
    assert '<pre class="repro"><code>curl -H' in card
    assert card.count('<details class="exchange') == 2


def test_long_bodies_are_cut_with_a_note(report: Report) -> None:
    """A body past clip.BODY characters is cut; the page gives its size and where it is whole."""
    html = _html(report)
    body = "sqlite3.OperationalError " * 600
    assert body[: clip.BODY] in html
    assert body[: clip.BODY + 50] not in html
    assert f"First 8,000 characters of {len(body):,} bytes shown" in html
    assert "more in the JSON report&#39;s evidence" in html
    assert "apiward scan … --checks sqli (GET /api/v2/search)" in html


def test_coverage_lists_skips_by_reason(report: Report) -> None:
    """Coverage shows checks run, skip reasons with counts, and the notes."""
    html = _html(report)
    coverage = html[html.index("<h2>Coverage</h2>") :]
    for reason, count in summary.skipped_by_reason(report.skipped):
        assert f'<td colspan="3">{reason}</td><td class="num">{count}</td>' in coverage
    assert "identities: alice, bob, admin" in coverage


def test_skips_are_grouped_by_reason_then_detail(report: Report) -> None:
    """Under each reason come its distinct details, each with its checks and operations."""
    coverage = _html(report)[_html(report).index("<h2>Coverage</h2>") :]
    reason = coverage.index('<td colspan="3">excluded by --safe</td><td class="num">1</td>')
    detail = coverage.index(
        "<td>deleting card 7 would remove alice&#39;s card</td><td><code>bola</code></td>"
        '<td class="num">1</td><td class="num">1</td>',
        reason,
    )
    assert reason < detail
    assert "<td>(no detail)</td><td><code>bfla</code></td>" in coverage


def test_a_long_skip_detail_folds() -> None:
    """A skip detail longer than a line is collapsible: its start shows, the rest unfolds."""
    long = "missing: " + "field " * 100
    report = full_report()
    skipped = dataclasses.replace(report.skipped[0], detail=long)
    html = _html(dataclasses.replace(report, skipped=(skipped,)))
    assert f'<details class="long"><summary>{long[: clip.LINE]}…' in html
    assert f"<div>{long}</div></details>" in html


def test_partial_report_says_so() -> None:
    """A cut-short run carries a banner; a complete one does not."""
    assert "Partial report" in _html(full_report(complete=False))
    assert "Partial report" not in _html(full_report())


def test_empty_report_renders() -> None:
    """A run with no findings renders a page that says so, with no chart bars."""
    html = _html(empty_report())
    assert "No findings." in html
    assert "<svg" not in html
