"""The scan report's ``scope`` table: excluded and destructive operations, in every writer."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

from rich.console import Console

from apiward.core.redact import Redactor
from apiward.report import FORMATS, Report, render_terminal
from apiward.report.scan_results import scan_report
from apiward.scan import Results, Treated

STARTED = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
TREATED = [
    Treated(operation="GET /createdb", treatment="destructive", why="its path says 'create + db'"),
    Treated(operation="GET /reports/export", treatment="excluded", why="--exclude 'tag:reports'"),
]


def _report(treated: list[Treated]) -> Report:
    return scan_report("http://127.0.0.1:1", STARTED, Results(treated=treated), finished=STARTED)


def test_the_json_report_lists_each_treated_operation_and_why() -> None:
    """Each excluded or destructive operation is a row with its treatment and reason."""
    data = json.loads(FORMATS.get("json")(_report(TREATED), Redactor()))
    assert data["tables"]["scope"] == [
        {
            "operation": "GET /createdb",
            "treatment": "destructive",
            "why": "its path says 'create + db'",
        },
        {
            "operation": "GET /reports/export",
            "treatment": "excluded",
            "why": "--exclude 'tag:reports'",
        },
    ]


def test_no_table_when_nothing_was_treated() -> None:
    """A scan with nothing excluded or destructive has no scope table."""
    assert "scope" not in _report([]).tables


def test_the_terminal_and_html_show_the_table() -> None:
    """The terminal coverage and the HTML page name each operation with its reason."""
    console = Console(width=200, color_system=None, file=io.StringIO())
    console.print(render_terminal(_report(TREATED), Redactor()))
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "destructive  GET /createdb  (its path says 'create + db')" in text
    assert "excluded  GET /reports/export  (--exclude 'tag:reports')" in text
    page = FORMATS.get("html")(_report(TREATED), Redactor())
    assert "<code>GET /createdb</code></td><td>destructive</td>" in page
