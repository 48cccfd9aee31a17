"""The periodic entry point the scheduler calls (agent_platform/scheduler/jobs.py)."""
from __future__ import annotations

from datetime import datetime

from dashboards.rollups import RollupPass, rollup_runs


def rollup_runs_job(*, now: datetime) -> RollupPass:
    return rollup_runs(now=now)
