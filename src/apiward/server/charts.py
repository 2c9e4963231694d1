"""Charts drawn on the server as SVG: a severity mix, a trend across runs, a timeline.

Inline SVG needs no script and no library, and works offline and under a CSP with no
``script-src``. Colours are presentation attributes, not ``style``: the CSP allows
styles from the stylesheet only. Every mark has a ``<title>``, so hovering reads it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

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
# Told apart by people with the common colour-vision deficiencies (Okabe and Ito's palette).
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442")
OTHERS = "#9ca3af"


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


def timeline(
    starts: Sequence[datetime],
    series: Sequence[tuple[str, Sequence[int]]],
    *,
    label: str,
    hourly: bool,
    width: int = 720,
    height: int = 160,
) -> Markup:
    """Stacked columns over time, one per bucket; the largest series first, the rest as others."""
    shown = [*series[: len(PALETTE)]]
    rest = series[len(PALETTE) :]
    if rest:
        summed = [sum(counts[i] for _, counts in rest) for i in range(len(starts))]
        shown.append((f"{len(rest)} others", summed))
    colours = [*PALETTE[: len(shown)]]
    if rest:
        colours[-1] = OTHERS
    top = max((sum(c[i] for _, c in shown) for i in range(len(starts))), default=0) or 1
    plot, step = height - 20, width / max(1, len(starts))
    bar = max(1.0, step * 0.8)
    parts: list[str] = []
    for i, start in enumerate(starts):
        x, y = round(i * step, 1), float(plot)
        when = start.strftime("%Y-%m-%d %H:00" if hourly else "%Y-%m-%d")
        for (name, counts), colour in zip(shown, colours, strict=True):
            if not counts[i]:
                continue
            tall = plot * counts[i] / top
            y -= tall
            parts.append(
                f'<rect x="{x}" y="{round(y, 1)}" width="{round(bar, 1)}" '
                f'height="{round(tall, 1)}" fill="{colour}">'
                f"<title>{escape(f'{when}: {counts[i]} {name}')}</title></rect>"
            )
    ends = (starts[0], starts[-1]) if starts else ()
    for anchor, moment in zip(("start", "end"), ends, strict=False):
        text = moment.strftime("%m-%d %H:00" if hourly else "%Y-%m-%d")
        x = 0 if anchor == "start" else width
        parts.append(
            f'<text x="{x}" y="{height - 4}" font-size="11" text-anchor="{anchor}">{text}</text>'
        )
    if not any(any(c) for _, c in shown):
        parts.append('<text x="0" y="16" font-size="13">no refusal in this window</text>')
    return _svg(width, height, label, "".join(parts))


def legend(names: Sequence[str]) -> list[tuple[str, str]]:
    """Each series :func:`timeline` draws as ``(name, colour)``, in its order."""
    shown = [(name, colour) for name, colour in zip(names, PALETTE, strict=False)]
    if len(names) > len(PALETTE):
        shown.append((f"{len(names) - len(PALETTE)} others", OTHERS))
    return shown


def _svg(width: int, height: int, label: str, body: str) -> Markup:
    return Markup(  # noqa: S704 - every value interpolated above is a number or escaped
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(label)}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">{body}</svg>'
    )
