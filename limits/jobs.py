"""Periodic job (agent_platform.scheduler): settle what no run end settled."""
from __future__ import annotations

from datetime import datetime

from limits.sweeper import sweep


def sweep_limits(*, now: datetime) -> int:
    return sweep()
