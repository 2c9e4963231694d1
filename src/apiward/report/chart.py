"""The HTML report's summary chart: stacked bars by category and severity, as SVG geometry.

Computed here rather than in the template so the template only draws rectangles, and the
geometry can be tested without parsing SVG. No JavaScript: the chart is static markup.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from apiward.core.findings import Severity
from apiward.report import summary

COLOURS: Mapping[Severity, str] = {
    Severity.CRITICAL: "#9b1c31",
    Severity.HIGH: "#d9480f",
    Severity.MEDIUM: "#e8a200",
    Severity.LOW: "#1c7ed6",
    Severity.INFO: "#868e96",
}
WIDTH = 760
LABEL_WIDTH = 230
BAR_WIDTH = 460
ROW_HEIGHT = 28
BAR_HEIGHT = 18
TOP = 8


@dataclass(frozen=True, slots=True, kw_only=True)
class Segment:
    """One severity's share of a category's bar."""

    severity: Severity
    count: int
    x: float
    width: float
    colour: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Row:
    """One category: its label, where its bar sits, its total and its segments."""

    label: str
    title: str
    y: float
    total: int
    segments: tuple[Segment, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Chart:
    """Everything the template needs to draw the bars."""

    width: int
    height: int
    label_width: int
    bar_height: int
    rows: tuple[Row, ...]


def build(by_category: Mapping[str, Mapping[Severity, int]]) -> Chart:
    """Bars scaled so the busiest category fills the width; worst severity leftmost."""
    largest = max((sum(counts.values()) for counts in by_category.values()), default=0)
    scale = BAR_WIDTH / largest if largest else 0.0
    rows = tuple(
        _row(cat, counts, TOP + i * ROW_HEIGHT, scale)
        for i, (cat, counts) in enumerate(by_category.items())
    )
    return Chart(
        width=WIDTH,
        height=TOP * 2 + ROW_HEIGHT * len(rows),
        label_width=LABEL_WIDTH,
        bar_height=BAR_HEIGHT,
        rows=rows,
    )


def _row(cat: str, counts: Mapping[Severity, int], y: float, scale: float) -> Row:
    segments: list[Segment] = []
    x = float(LABEL_WIDTH)
    for severity in summary.SEVERITIES:
        count = counts.get(severity, 0)
        if count:
            width = round(count * scale, 2)
            segments.append(
                Segment(severity=severity, count=count, x=x, width=width, colour=COLOURS[severity])
            )
            x = round(x + width, 2)
    return Row(
        label=summary.category_name(cat, short=True),
        title=summary.category_name(cat),
        y=y,
        total=sum(counts.values()),
        segments=tuple(segments),
    )
