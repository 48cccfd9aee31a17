"""Total model cost (USD) of the runs started in the window, as recorded in their usage so far."""
from __future__ import annotations

from django.db.models import FloatField, Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce

from alerts.metrics.scope import runs_in_window

UNIT = "usd"
DESCRIPTION = "sum of usage.cost_usd of runs started in the window"
USES_WINDOW = True


def measure(rule, *, start, end) -> float | None:
    total = runs_in_window(rule, start, end).aggregate(
        cost=Coalesce(Sum(Cast(KeyTextTransform("cost_usd", "usage"), FloatField())), 0.0))["cost"]
    return float(total)
