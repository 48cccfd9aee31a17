"""Share of the window's finished runs that failed or timed out (0..1; cancelled runs are not errors)."""
from __future__ import annotations

from django.db.models import Count, Q

from alerts.metrics.scope import runs_in_window

UNIT = "ratio"
DESCRIPTION = "failed or timed-out runs / finished runs, of runs started in the window"
USES_WINDOW = True


def measure(rule, *, start, end) -> float | None:
    from runs.models import FAILED, TERMINAL, TIMED_OUT

    counts = runs_in_window(rule, start, end).filter(status__in=TERMINAL).aggregate(
        finished=Count("pk"), errors=Count("pk", filter=Q(status__in=(FAILED, TIMED_OUT))))
    return counts["errors"] / counts["finished"] if counts["finished"] else None
