"""How long the oldest queued run has waited (seconds; 0 with nothing queued). The window is unused."""
from __future__ import annotations

from django.db.models import Min
from django.db.models.functions import Coalesce

from alerts.metrics.scope import runs_of

UNIT = "s"
DESCRIPTION = "age of the oldest run waiting in the queue, at evaluation time"
USES_WINDOW = False


def measure(rule, *, start, end) -> float | None:
    from runs.models import QUEUED

    oldest = runs_of(rule).filter(status=QUEUED, created_at__lte=end).aggregate(
        oldest=Min(Coalesce("resumed_at", "created_at")))["oldest"]
    return max(0.0, (end - oldest).total_seconds()) if oldest else 0.0
