"""Findings to terminal, JSON, SARIF 2.1.0, JUnit XML and HTML: pure writers, I/O at the edge.

Every verb builds one :class:`Report` and hands it here. Most verbs never call this
module directly: ``apiward.cli.outputs`` gives every command the same ``--json``,
``--sarif``, ``--junit``, ``--report``, ``--fail-on`` and ``--show-secrets`` options and
one ``emit()`` that prints, writes and returns the exit code. Underneath::

    from apiward.core.redact import Redactor
    from apiward.report import FORMATS, Report, exit_code, render_terminal, write

    report = Report(tool="scan", target=url, started=t0, finished=t1, findings=..., ran=...,
                    skipped=..., stats={"requests": 812}, complete=True, contract="openapi.yaml")
    redactor = Redactor(secrets=[password, token])   # Redactor(enabled=False): --show-secrets
    console.print(render_terminal(report, redactor))  # a rich renderable, 80 columns and up
    write(report, Path("out.sarif"), "sarif", redactor)  # atomic: temp file + rename
    text = FORMATS.get("json")(report, redactor)      # any writer as a pure function -> str
    sys.exit(exit_code(report, Severity.HIGH))        # 1 if a finding is high or worse

Formats (``FORMATS.names()``): ``json`` (schema in docs/report-json.md), ``sarif``
(2.1.0), ``junit`` (one testsuite per check, one testcase per check × operation) and
``html`` (one self-contained page). A writer is ``(Report, Redactor) -> str``; it redacts
and sorts through :func:`apiward.report.redacted.prepare` first and reads no clock, so
the same report always renders to the same text. A new format is one module with a
``render`` function and one line in ``FORMATS`` below.

A scan's results become a report through ``apiward.report.scan_results.scan_report``
(not imported here: it loads the scanner). What people read (terminal, HTML, JUnit) cuts
long bodies, headers, reproductions and details to the limits in ``apiward.report.clip``;
skips are grouped by reason and detail in ``apiward.report.skips``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from apiward.core.files import write_atomic
from apiward.core.findings import Severity, at_or_above
from apiward.core.redact import Redactor
from apiward.core.registry import Registry
from apiward.report import html_report, json_report, junit, sarif
from apiward.report.model import Ran, Report, Skipped
from apiward.report.terminal import render as render_terminal

Writer = Callable[[Report, Redactor], str]
"""A report format: the report and the redactor in, the file's whole text out."""

FORMATS = Registry[Writer](
    "report format",
    (
        ("json", json_report.render),
        ("sarif", sarif.render),
        ("junit", junit.render),
        ("html", html_report.render),
    ),
)


def write(report: Report, path: Path, format_name: str, redactor: Redactor) -> None:
    """Render ``report`` in ``format_name`` and write it to ``path`` atomically."""
    text = FORMATS.get(format_name)(report, redactor)
    write_atomic(Path(path), text)


def exit_code(report: Report, fail_on: Severity | None) -> int:
    """1 when a finding is at or above ``fail_on``, else 0 (always 0 when ``fail_on`` is None)."""
    if fail_on is None:
        return 0
    return 1 if at_or_above(report.findings, fail_on) else 0


__all__ = [
    "FORMATS",
    "Ran",
    "Report",
    "Skipped",
    "Writer",
    "exit_code",
    "render_terminal",
    "write",
]
