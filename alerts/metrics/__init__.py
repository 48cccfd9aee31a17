"""The alert metrics: one module each, registered here by name.

A metric module defines `UNIT`, `DESCRIPTION`, `USES_WINDOW` and
`measure(rule, *, start, end) -> float | None` (None: no data in the window, which neither fires
nor resolves a rule). Add a metric with a module and one line below.
"""
from __future__ import annotations

from types import ModuleType

from alerts.metrics import cost_usd, error_rate, eval_pass_rate, p95_latency_ms, queue_age_s, run_count

METRICS: dict[str, ModuleType] = {
    "error_rate": error_rate,
    "p95_latency_ms": p95_latency_ms,
    "cost_usd": cost_usd,
    "run_count": run_count,
    "queue_age_s": queue_age_s,
    "eval_pass_rate": eval_pass_rate,
}
