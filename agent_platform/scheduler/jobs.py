"""The registry of periodic jobs the scheduler runs (agent_platform.scheduler).

A job is a function that takes one keyword argument, `now`: the aware UTC datetime its tick was
scheduled for (tick × interval seconds since the epoch), so a job computes windows from the
schedule, not from when it happened to start. It runs in the scheduler process (its own thread:
a slow job does not delay the others; a job still running skips its next ticks). Add a job with
one line here; keep the function in its app (`<app>/tasks.py` or `<app>/jobs.py`).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Job:
    name: str  # unique; the key of its tick claims and status
    interval_s: int  # run once per interval, aligned to the epoch (60: at every minute)
    path: str  # dotted path of `fn(*, now: datetime) -> object`


JOBS: tuple[Job, ...] = (
    Job("dashboard-rollups", 60, "dashboards.tasks.rollup_runs_job"),  # dashboards/rollups.py
    Job("alerts", 60, "alerts.tasks.evaluate_alert_rules"),
    Job("retention", 3600, "retention.jobs.purge_expired"),  # retention/purge.py: hourly, in small batches
    Job("limits_sweep", 60, "limits.jobs.sweep_limits"),  # limits/sweeper.py: free slots no settlement freed
)
