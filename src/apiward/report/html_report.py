"""The HTML report: one self-contained file a person would rather read than the JSON.

Jinja2 with autoescape on renders ``templates/report.html.j2``; this module only prepares
plain values for it (redacted findings, the chart's geometry, truncated bodies), so the
template holds no logic worth testing on its own. Inline CSS, inline SVG, no JavaScript,
no external requests: it opens the same from a CI artifact, an e-mail or an air-gapped box.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import jinja2

from apiward import __version__
from apiward.core.findings import Exchange, Finding, Message, RecordedResponse
from apiward.core.redact import Redactor
from apiward.report import chart, summary
from apiward.report.model import Report
from apiward.report.redacted import prepare

MAX_BODY = 8_000
"""Characters of a body shown before it is cut; the JSON report keeps them whole."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Shown:
    """One side of an exchange as the page shows it: a head block and a (cut) body."""

    head: str
    body: str
    cut: int
    """How many characters of the body were left out (0: shown whole)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ExchangeView:
    """An exchange ready to print: its summary line and both sides."""

    summary: str
    note: str
    request: Shown
    response: Shown | None


@dataclass(frozen=True, slots=True, kw_only=True)
class FindingView:
    """A finding with what the page derives from it."""

    finding: Finding
    anchor: str
    category: str
    where: str
    exchanges: tuple[ExchangeView, ...]


def render(report: Report, redactor: Redactor) -> str:
    """``report`` as one self-contained HTML page, credentials redacted."""
    report = prepare(report, redactor)
    by_category = summary.by_category(report.findings)
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            report=report,
            version=__version__,
            started=_when(report, started=True),
            finished=_when(report, started=False),
            duration=summary.duration(report),
            by_severity=list(summary.by_severity(report.findings).items()),
            colours={sev.value: colour for sev, colour in chart.COLOURS.items()},
            chart=chart.build(by_category),
            findings=[_view(f) for f in report.findings],
            operations=summary.operations_covered(report),
            skipped_by_reason=summary.skipped_by_reason(report.skipped),
        )
    )


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("apiward.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _when(report: Report, *, started: bool) -> str:
    moment = summary.utc(report.started if started else report.finished)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _view(f: Finding) -> FindingView:
    return FindingView(
        finding=f,
        anchor=f"finding-{f.fingerprint}",
        category=summary.category_name(summary.category(f)),
        where=summary.where(f),
        exchanges=tuple(_exchange(e) for e in f.evidence),
    )


def _exchange(e: Exchange) -> ExchangeView:
    request, response = e.request, e.response
    status = f" → {response.status}" if response else " → no response"
    return ExchangeView(
        summary=f"{request.method} {request.url}{status}",
        note=e.note,
        request=_shown(f"{request.method} {request.url}", request),
        response=_shown(_status_line(response), response) if response else None,
    )


def _status_line(response: RecordedResponse) -> str:
    timing = f"  ({response.elapsed_ms:.0f} ms)" if response.elapsed_ms else ""
    return f"HTTP {response.status}{timing}"


def _shown(first_line: str, message: Message) -> Shown:
    head = "\n".join([first_line, *(f"{name}: {value}" for name, value in message.headers)])
    body = message.body
    cut = max(0, len(body) - MAX_BODY)
    return Shown(head=head, body=body[:MAX_BODY], cut=cut)
