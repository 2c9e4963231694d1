"""The HTML report: one self-contained file a person would rather read than the JSON.

Jinja2 with autoescape on renders ``templates/report.html.j2``; this module only prepares
plain values for it (redacted findings, the chart's geometry, skips grouped, every long
value cut to the limits in :mod:`apiward.report.clip`), so the template holds no logic
worth testing on its own. Inline CSS, inline SVG, no JavaScript,
no external requests: it opens the same from a CI artifact, an e-mail or an air-gapped box.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cache

import jinja2

from apiward import __version__
from apiward.core.findings import Exchange, Finding, Message, RecordedResponse
from apiward.core.redact import Redactor
from apiward.report import chart, clip, summary
from apiward.report.model import Report, Skipped
from apiward.report.redacted import prepare
from apiward.report.skips import WHOLE_TARGET, ReasonSkips, grouped


@dataclass(frozen=True, slots=True, kw_only=True)
class Shown:
    """One side of an exchange as the page shows it: a head block and a (cut) body."""

    head: str
    body: str
    cut: str
    """What was left out of the body and where it is whole (empty: shown whole)."""


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
    detail: str
    reproduction: str
    regenerate: str
    """Where the whole reproduction is, when it was cut (else empty)."""
    exchanges: tuple[ExchangeView, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class SkipView:
    """A skipped check × operation as the full list shows it; a long detail folds."""

    check: str
    operation: str
    reason: str
    detail: str
    short: str
    """The detail's first line-length part when it is longer (else empty: show it whole)."""


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
            findings=[_view(f, report.tool) for f in report.findings],
            operations=summary.operations_covered(report),
            skip_groups=_skip_groups(report.skipped),
            skips=[_skip(s) for s in report.skipped],
            notes=[clip.cut(note, clip.TEXT) for note in report.notes],
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


def _view(f: Finding, tool: str) -> FindingView:
    reproduction = clip.reproduction(f)
    return FindingView(
        finding=f,
        anchor=f"finding-{f.fingerprint}",
        category=summary.category_name(summary.category(f)),
        where=summary.where(f),
        detail=clip.cut(f.detail, clip.TEXT),
        reproduction=reproduction,
        regenerate="" if reproduction == (f.reproduction or "") else clip.regenerate(f, tool),
        exchanges=tuple(_exchange(e, clip.regenerate(f, tool)) for e in f.evidence),
    )


def _skip_groups(skipped: tuple[Skipped, ...]) -> tuple[ReasonSkips, ...]:
    # The grouped table is the summary: one line per detail, each cut to a line's length.
    cut = [dataclasses.replace(s, detail=clip.cut(s.detail, clip.LINE)) for s in skipped]
    return grouped(cut)


def _skip(s: Skipped) -> SkipView:
    detail = clip.cut(s.detail, clip.TEXT)
    return SkipView(
        check=s.check,
        operation=s.operation or WHOLE_TARGET,
        reason=s.reason,
        detail=detail,
        short=clip.cut(detail, clip.LINE) if len(detail) > clip.LINE else "",
    )


def _exchange(e: Exchange, whole: str) -> ExchangeView:
    request, response = e.request, e.response
    status = f" → {response.status}" if response else " → no response"
    first_line = f"{request.method} {clip.cut(request.url, clip.HEADER)}"
    return ExchangeView(
        summary=f"{request.method} {clip.cut(request.url, clip.LINE)}{status}",
        note=clip.cut(e.note, clip.LINE),
        request=_shown(first_line, request, whole),
        response=_shown(_status_line(response), response, whole) if response else None,
    )


def _status_line(response: RecordedResponse) -> str:
    timing = f"  ({response.elapsed_ms:.0f} ms)" if response.elapsed_ms else ""
    return f"HTTP {response.status}{timing}"


def _shown(first_line: str, message: Message, whole: str) -> Shown:
    headers = (f"{name}: {clip.cut(value, clip.HEADER)}" for name, value in message.headers)
    head = "\n".join([first_line, *headers])
    if len(message.body) <= clip.BODY:
        return Shown(head=head, body=message.body, cut="")
    size = clip.payload_bytes(message)
    cut = f"First {clip.characters(clip.BODY)} of {size:,} bytes shown; {whole}."
    return Shown(head=head, body=message.body[: clip.BODY], cut=cut)
