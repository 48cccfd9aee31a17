"""Server-rendered SVG charts (no JavaScript, no chart library): stacked bars and lines over
the steps of a window. Every value is escaped; each bar or point has a <title> tooltip."""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 720, 200
LEFT, RIGHT, TOP, BOTTOM = 56, 8, 12, 28
Format = Callable[[float], str]


@dataclass(frozen=True)
class Line:
    name: str
    values: Sequence[float | None]  # None: no point at that step
    css: str  # class of the bar/line: colours live in dashboards.css


def nice_max(value: float) -> float:
    """A round axis maximum at or above `value` (1, 2, 2.5 or 5 × 10^n)."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        candidate = step * 10 ** exponent
        if candidate >= value:
            return float(candidate)
    return float(10 ** (exponent + 1))


def _frame(labels: Sequence[str], top: float, fmt: Format, title: str) -> list[str]:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    parts = [f'<svg class="dash-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for i in range(5):
        y = TOP + plot_h - plot_h * i / 4
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
                     f'{escape(fmt(top * i / 4))}</text>')
    every = max(1, math.ceil(len(labels) / 12))
    slot = plot_w / max(1, len(labels))
    for index, label in enumerate(labels):
        if index % every == 0:
            x = LEFT + slot * (index + 0.5)
            parts.append(f'<text class="axis" x="{x:.1f}" y="{HEIGHT - 8}" text-anchor="middle">{escape(label)}</text>')
    return parts


def stacked_bars(labels: Sequence[str], series: Sequence[Line], *, title: str, fmt: Format = str) -> SafeString:
    """One bar per step, the series stacked bottom-up in the order given."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    totals = [sum((s.values[i] or 0) for s in series) for i in range(len(labels))]
    top = nice_max(max(totals, default=0))
    parts = _frame(labels, top, fmt, title)
    slot = plot_w / max(1, len(labels))
    bar_w = max(1.0, slot * 0.7)
    for index, label in enumerate(labels):
        base = 0.0
        x = LEFT + slot * index + (slot - bar_w) / 2
        for line in series:
            value = line.values[index] or 0
            if value <= 0:
                continue
            height = plot_h * value / top
            y = TOP + plot_h - plot_h * (base + value) / top
            parts.append(f'<rect class="{line.css}" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{height:.1f}">'
                         f'<title>{escape(label)} — {escape(line.name)}: {escape(fmt(value))}</title></rect>')
            base += value
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped above


def lines(labels: Sequence[str], series: Sequence[Line], *, title: str, fmt: Format = str) -> SafeString:
    """One polyline per series (gaps where a step has no value), with a dot per point."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = nice_max(max((v for s in series for v in s.values if v is not None), default=0))
    parts = _frame(labels, top, fmt, title)
    slot = plot_w / max(1, len(labels))
    for line in series:
        segment: list[str] = []
        for index, value in enumerate([*line.values, None]):
            if value is None:
                if len(segment) > 1:
                    parts.append(f'<polyline class="{line.css}" points="{" ".join(segment)}"/>')
                segment = []
                continue
            x, y = LEFT + slot * (index + 0.5), TOP + plot_h - plot_h * value / top
            segment.append(f"{x:.1f},{y:.1f}")
            parts.append(f'<circle class="{line.css}" cx="{x:.1f}" cy="{y:.1f}" r="2.5">'
                         f'<title>{escape(labels[index])} — {escape(line.name)}: {escape(fmt(value))}</title></circle>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped above


def legend(series: Sequence[Line]) -> SafeString:
    items = "".join(f'<li><span class="swatch {s.css}"></span>{escape(s.name)}</li>' for s in series)
    return mark_safe(f'<ul class="dash-legend">{items}</ul>')  # noqa: S308
