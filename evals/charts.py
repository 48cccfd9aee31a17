"""A metric across a target's versions as a small server-rendered SVG line chart (no scripts, no CDN)."""
from __future__ import annotations

from html import escape

WIDTH, HEIGHT, PAD = 360, 140, 28


def metric_chart_svg(metric: str, points: list[dict], *, key: str = "mean", current: int | None = None) -> str:
    """`points` = [{"version": n, key: value}, ...] in version order; `current` is highlighted."""
    values = [(p["version"], p.get(key)) for p in points if p.get(key) is not None]
    title = f"{metric} ({key}) by version"
    if not values:
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="40" role="img" '
                f'aria-label="{escape(title)}"><text x="4" y="24" font-size="12">{escape(title)}: no data</text></svg>')
    low = min(0.0, min(v for _, v in values))
    high = max(1.0 if all(0 <= v <= 1 for _, v in values) else max(v for _, v in values), low + 1e-9)
    span_x = max(len(values) - 1, 1)

    def x(i: int) -> float:
        return PAD + (WIDTH - 2 * PAD) * (i / span_x if len(values) > 1 else 0.5)

    def y(v: float) -> float:
        return HEIGHT - PAD - (HEIGHT - 2 * PAD) * ((v - low) / (high - low))
    coords = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, (_, v) in enumerate(values))
    dots = "".join(
        f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="{5 if n == current else 3}" '
        f'fill="{"#ba2121" if n == current else "#417690"}"><title>v{n}: {v:.4g}</title></circle>'
        f'<text x="{x(i):.1f}" y="{HEIGHT - 8}" font-size="10" text-anchor="middle">v{n}</text>'
        for i, (n, v) in enumerate(values))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" role="img" '
            f'aria-label="{escape(title)}" class="eval-chart">'
            f'<text x="4" y="14" font-size="12">{escape(title)}</text>'
            f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" stroke="#999"/>'
            f'<text x="2" y="{y(high) + 4:.1f}" font-size="10">{high:.3g}</text>'
            f'<text x="2" y="{y(low) + 4:.1f}" font-size="10">{low:.3g}</text>'
            f'<polyline points="{coords}" fill="none" stroke="#417690" stroke-width="2"/>{dots}</svg>')
