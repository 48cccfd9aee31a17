"""Filters for the dashboards' figures: durations, money, token counts, rates and deltas."""
from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def duration(ms: float | None) -> str:
    if ms is None:
        return "—"
    if ms < 1000:
        return f"{ms:.0f} ms"
    if ms < 60_000:
        return f"{ms / 1000:.2f} s"
    return f"{ms / 60_000:.1f} min"


@register.filter
def usd(value: float | None) -> str:
    if value is None:
        return "—"
    if value == 0:
        return "$0"
    return f"${value:.4f}" if value < 1 else f"${value:,.2f}"


@register.filter
def count(value: float | None) -> str:
    if value is None:
        return "—"
    value = float(value)
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.1f}{suffix}"
    return f"{value:.0f}"


@register.filter
def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


@register.filter
def age(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _signed(value: float, text: str) -> str:
    return ("+" if value > 0 else "") + text if value else "±0"


@register.filter
def delta_percent(value: float | None, previous: float | None) -> str:
    if value is None or previous is None:
        return "—"
    change = (value - previous) * 100
    return _signed(change, f"{change:.1f} pt")


@register.filter
def delta_ms(value: float | None, previous: float | None) -> str:
    if value is None or previous is None:
        return "—"
    change = value - previous
    return _signed(change, ("-" if change < 0 else "") + duration(abs(change)))


@register.filter
def delta_usd(value: float | None, previous: float | None) -> str:
    if value is None or previous is None:
        return "—"
    change = value - previous
    return _signed(change, ("-" if change < 0 else "") + usd(abs(change)))
