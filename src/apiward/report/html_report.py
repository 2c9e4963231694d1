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
from apiward.report.grouping import Group, same_weakness
from apiward.report.model import Report, Skipped
from apiward.report.redacted import prepare
from apiward.report.skips import WHOLE_TARGET, ReasonSkips, grouped

NOTE = 80
"""Characters of an exchange's note in its folded line (the whole note is inside)."""


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

    role: str
    """``probe`` for the request the reproduction replays, ``baseline`` before it, ``after``."""
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
class GroupView:
    """One weakness and every place it is in: the first shown whole, the others folded."""

    first: FindingView
    others: tuple[FindingView, ...]

    @property
    def size(self) -> int:
        """How many places."""
        return 1 + len(self.others)


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
            groups=[_group(g, report.tool) for g in same_weakness(report.findings)],
            findings=report.findings,
            coverage=_coverage(report),
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


def _coverage(report: Report) -> list[tuple[str, object]]:
    """The coverage table: what ran on how much, then the run's other figures, each once."""
    ran = "checks run (check × operation)" if summary.per_operation(report) else "checks run"
    rows: list[tuple[str, object]] = [
        (ran, len(report.ran)),
        ("operations covered", summary.operations_covered(report)),
        ("skipped (check × operation)", len(report.skipped)),
    ]
    rows += [(name.replace("_", " "), value) for name, value in summary.plain_stats(report)]
    if by := summary.requests_by(report):
        rows.append(("requests by phase and check", ", ".join(f"{w} {n}" for w, n in by)))
    return rows


def _group(group: Group, tool: str) -> GroupView:
    first, *others = (_view(f, tool) for f in group.members)
    return GroupView(first=first, others=tuple(others))


def _view(f: Finding, tool: str) -> FindingView:
    reproduction = clip.reproduction(f)
    proof = _replayed(f)
    return FindingView(
        finding=f,
        anchor=f"finding-{f.fingerprint}",
        category=summary.category_name(summary.category(f)),
        where=summary.where(f),
        detail=clip.cut(f.detail, clip.TEXT),
        reproduction=reproduction,
        regenerate="" if reproduction == (f.reproduction or "") else clip.regenerate(f, tool),
        exchanges=tuple(
            _exchange(e, clip.regenerate(f, tool), _role(i, proof))
            for i, e in enumerate(f.evidence)
        ),
    )


def _replayed(f: Finding) -> int | None:
    """Which exchange the reproduction sends again: the last with its method and URL."""
    shown = f.reproduction or ""
    found = [
        i
        for i, e in enumerate(f.evidence)
        if shown.startswith(f"curl -i -X {e.request.method} ") and e.request.url in shown
    ]
    return found[-1] if found else None


def _role(index: int, proof: int | None) -> str:
    if proof is None:
        return ""
    return "probe" if index == proof else "baseline" if index < proof else "after"


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


def _exchange(e: Exchange, whole: str, role: str) -> ExchangeView:
    request, response = e.request, e.response
    status = f" → {response.status}" if response else " → no response"
    first_line = f"{request.method} {clip.cut(request.url, clip.HEADER)}"
    # The folded line tells the exchanges apart: the same GET as the owner and as the
    # attacker look alike until it says which is which.
    label = " · ".join(t for t in (role, clip.cut(e.note, NOTE)) if t)
    line = f"{request.method} {clip.cut(request.url, clip.LINE)}{status}"
    return ExchangeView(
        role=role,
        summary=f"{label} — {line}" if label else line,
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
