"""The scheduler's entry point (agent_platform/scheduler/jobs.py): the periodic purge."""
from __future__ import annotations

from datetime import datetime

from retention.purge import purge


def purge_expired(*, now: datetime) -> dict:
    results = purge(now=now, trigger="scheduler")
    return {(owner.slug if owner is not None else "install"): dict(outcome.counts) for owner, outcome in results
            if outcome.counts}
