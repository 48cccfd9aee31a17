"""Share of the evals started in the window (and finished) whose thresholds passed (0..1)."""
from __future__ import annotations

from django.db.models import Count, Q

from alerts.metrics.scope import evals_in_window

UNIT = "ratio"
DESCRIPTION = "passed evals / finished evals with thresholds, of evals started in the window"
USES_WINDOW = True


def measure(rule, *, start, end) -> float | None:
    counts = evals_in_window(rule, start, end).filter(passed__isnull=False).aggregate(
        judged=Count("pk"), passed=Count("pk", filter=Q(passed=True)))
    return counts["passed"] / counts["judged"] if counts["judged"] else None
