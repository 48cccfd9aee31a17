"""95th percentile of end-to-end run latency (created → finished), in milliseconds."""
from __future__ import annotations

from django.db.models import Aggregate, F, FloatField, Func

from alerts.metrics.scope import runs_in_window

UNIT = "ms"
DESCRIPTION = "p95 of (finished_at - created_at) of finished runs started in the window"
USES_WINDOW = True


class _EpochMs(Func):
    template = "(EXTRACT(EPOCH FROM (%(expressions)s)) * 1000)"
    output_field = FloatField()


class _Percentile(Aggregate):
    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


def measure(rule, *, start, end) -> float | None:
    return runs_in_window(rule, start, end).filter(finished_at__isnull=False).aggregate(
        p95=_Percentile(_EpochMs(F("finished_at") - F("created_at")), 0.95))["p95"]
