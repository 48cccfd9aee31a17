"""Runs started in the window: `run_count lt 1` is an absence rule (no runs arrived)."""
from __future__ import annotations

from alerts.metrics.scope import runs_in_window

UNIT = "runs"
DESCRIPTION = "runs started in the window, whatever their status"
USES_WINDOW = True


def measure(rule, *, start, end) -> float | None:
    return float(runs_in_window(rule, start, end).count())
