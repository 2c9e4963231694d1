"""The HTML page reads well: repeated findings once, labelled evidence, one coverage, no overflow."""

from __future__ import annotations

import dataclasses
import re
from types import MappingProxyType

from tests.report.samples import bola_finding, full_report, static_finding

from apiward.core.findings import Exchange, Finding, RecordedRequest, RecordedResponse, Severity
from apiward.core.redact import Redactor
from apiward.report import FORMATS, Ran, Report

BASE = "http://127.0.0.1:8000"


def _html(report: Report) -> str:
    return FORMATS.get("html")(report, Redactor(enabled=False))


def _cors(path: str) -> Finding:
    """The same CORS weakness, on one operation."""
    request = RecordedRequest(method="GET", url=f"{BASE}{path}", headers=(("Origin", "https://x"),))
    answer = RecordedResponse(status=200, headers=(("Access-Control-Allow-Origin", "https://x"),))
    return Finding(
        check="cors",
        title="Any origin may read answers with credentials",
        severity=Severity.MEDIUM,
        owasp="API8:2023",
        operation=f"GET {path}",
        detail=f"GET {path} reflected the Origin https://x with credentials allowed.",
        remediation="Allow only the origins you serve.",
        evidence=(Exchange(request=request, response=answer, note="Origin: https://x"),),
        reproduction=f"curl -i -X GET -H 'Origin: https://x' {BASE}{path}",
    )


def test_one_weakness_on_fourteen_operations_is_one_entry() -> None:
    """One CORS weakness on 14 operations is one article listing the 14, and one summary row."""
    paths = [f"/api/items{n}" for n in range(14)]
    html = _html(full_report(*(_cors(p) for p in paths), bola_finding()))
    assert html.count('<article class="finding') == 2
    assert html.count("Any origin may read answers with credentials</a>") == 1
    assert "on 14 operations" in html
    assert "Also on 13 more" in html
    assert all(f"GET {p}" in html for p in paths)
    assert "Findings (15, 2 distinct)" in html


def test_exchange_summaries_say_baseline_probe_and_after() -> None:
    """The folded line of each exchange names its part: baseline, the probe replayed, the read-back."""

    def exchange(method: str, note: str) -> Exchange:
        request = RecordedRequest(method=method, url=f"{BASE}/api/notes/7")
        return Exchange(request=request, response=RecordedResponse(status=200), note=note)

    finding = dataclasses.replace(
        bola_finding(),
        evidence=(
            exchange("GET", "alice reads her note"),
            exchange("PUT", "bob rewrites alice's note"),
            exchange("GET", "read back"),
        ),
        reproduction=f"curl -i -X PUT {BASE}/api/notes/7",
    )
    summaries = re.findall(r"<summary>([^<]*)</summary>", _html(full_report(finding)))
    assert f"baseline · alice reads her note — GET {BASE}/api/notes/7 → 200" in summaries
    assert f"probe · bob rewrites alice&#39;s note — PUT {BASE}/api/notes/7 → 200" in summaries
    assert f"after · read back — GET {BASE}/api/notes/7 → 200" in summaries


def _coverage(html: str) -> list[str]:
    section = html[html.index("<h2>Coverage</h2>") :]
    section = section[: section.index("</table>")]
    return re.findall(r"<tr><td>([^<]*)</td>", section)


def test_coverage_rows_are_each_said_once() -> None:
    """Stats that restate the coverage (checks run, skipped, operations exercised) are not repeated."""
    report = dataclasses.replace(
        full_report(bola_finding()),
        stats=MappingProxyType(
            {
                "checks_run": 5,
                "checks_skipped": 2,
                "operations_exercised": 3,
                "findings": 1,
                "requests": 40,
                "requests.bola": 30,
                "requests.harvest": 10,
            }
        ),
    )
    rows = _coverage(_html(report))
    assert len(rows) == len(set(rows)), rows
    assert not {"checks run", "checks skipped", "operations exercised", "findings"} & set(rows)
    assert not [row for row in rows if row.startswith("requests.")]
    assert "requests by phase and check" in rows


def test_whole_target_checks_cover_the_contracts_operations() -> None:
    """Rules that ran on the whole contract cover every operation it has, not 0."""
    report = dataclasses.replace(
        full_report(static_finding()),
        tool="audit contract",
        ran=(Ran(check="contract.no-security"), Ran(check="contract.url-input")),
        stats=MappingProxyType({"operations": 296}),
    )
    html = _html(report)
    assert re.search(r"<td>operations covered</td><td class=\"num\">296</td>", html)


def test_long_values_wrap_instead_of_widening_the_page() -> None:
    """Cells, code, summaries and details break anywhere, so a long URL never scrolls the page."""
    html = _html(full_report(bola_finding()))
    style = html[html.index("<style>") : html.index("</style>")]
    rule = re.search(r"([^{}]*)\{\s*overflow-wrap:\s*anywhere;\s*\}", style)
    assert rule is not None
    selectors = {s.strip() for s in rule.group(1).split(",")}
    assert {"td", "th", "code", "summary"} <= selectors
    assert "white-space: pre-wrap" in style


def test_a_reports_tables_come_before_its_findings() -> None:
    """A verb's own tables (an audit's risk ranking) precede the findings."""
    risk = (MappingProxyType({"operation": "GET /admin", "score": 90}),)
    report = dataclasses.replace(
        full_report(static_finding()), tables=MappingProxyType({"risk": risk})
    )
    html = _html(report)
    assert html.index("<h2>Risk (1)</h2>") < html.index("<h2>Findings (")
