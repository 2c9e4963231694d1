"""Charts drawn on the server as SVG: a severity mix and a trend across runs.

Inline SVG needs no script and no library, and works offline and under a CSP with no
``script-src``. Colours are presentation attributes, not ``style``: the CSP allows
styles from the stylesheet only. Every mark has a ``<title>``, so hovering reads it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

from apiward.core.findings import Severity
from apiward.server.queries import RunMix

COLOURS = {
    Severity.CRITICAL: "#7f1d1d",
    Severity.HIGH: "#dc2626",
    Severity.MEDIUM: "#f59e0b",
    Severity.LOW: "#3b82f6",
    Severity.INFO: "#9ca3af",
}
MOST_SEVERE_FIRST = sorted(Severity, key=lambda s: s.rank, reverse=True)


def severity_mix(counts: Mapping[Severity, int], *, width: int = 360) -> Markup:
    """Horizontal bars, one per severity, most severe on top."""
    row, label = 24, 80
    top = max(counts.values(), default=0) or 1
    parts = []
    for i, severity in enumerate(MOST_SEVERE_FIRST):
        count = counts.get(severity, 0)
        y = i * row
        length = round((width - label - 50) * count / top)
        parts.append(
            f'<text x="0" y="{y + 16}" font-size="13">{severity.value}</text>'
            f'<rect x="{label}" y="{y + 4}" width="{length}" height="16" '
            f'fill="{COLOURS[severity]}"><title>{count} {severity.value}</title></rect>'
            f'<text x="{label + length + 6}" y="{y + 16}" font-size="13">{count}</text>'
        )
    height = row * len(MOST_SEVERE_FIRST)
    return _svg(width, height, "open findings by severity", "".join(parts))


def trend(mixes: Sequence[RunMix], *, width: int = 640, height: int = 160) -> Markup:
    """One stacked column per run, oldest on the left: findings reported, by severity."""
    if not mixes:
        return _svg(
            width, 24, "no runs yet", '<text x="0" y="16" font-size="13">no runs yet</text>'
        )
    top = max(sum(m.counts.values()) for m in mixes) or 1
    plot = height - 20
    step = width / len(mixes)
    bar = min(40.0, max(2.0, step * 0.7))
    parts = []
    for i, mix in enumerate(mixes):
        x = round(i * step, 1)
        y = float(plot)
        for severity in sorted(Severity, key=lambda s: s.rank):
            count = mix.counts.get(severity, 0)
            if not count:
                continue
            tall = plot * count / top
            y -= tall
            tip = f"run {mix.id} ({mix.api}): {count} {severity.value}"
            parts.append(
                f'<rect x="{x}" y="{round(y, 1)}" width="{round(bar, 1)}" '
                f'height="{round(tall, 1)}" fill="{COLOURS[severity]}">'
                f"<title>{escape(tip)}</title></rect>"
            )
        parts.append(f'<text x="{x}" y="{height - 4}" font-size="11">{mix.id}</text>')
    return _svg(width, height, "findings reported per run, by severity", "".join(parts))


def _svg(width: int, height: int, label: str, body: str) -> Markup:
    return Markup(  # noqa: S704 - every value interpolated above is a number or escaped
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(label)}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">{body}</svg>'
    )
