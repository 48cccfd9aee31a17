"""Settling a run's reservation when it ends (exactly once: the Lua script deletes the run's
admission record, so a second call — a retry, the sweeper — finds nothing to do).

Called where runs reach a terminal status (the worker's finish, an API cancel, the recovery that
gives up on a run); the sweeper (`limits.sweeper`) settles any run one of those missed."""
from __future__ import annotations

import logging

import redis

from agent_platform.redis_client import redis_client
from limits import counters
from limits.windows import windows

logger = logging.getLogger(__name__)


def settle_run(run_id: str, usage: dict | None = None) -> bool:
    """Free the run's slots and unused reservation; charge final usage not charged live. Returns
    whether this call settled it. A Redis outage is logged, not raised: the sweeper retries."""
    usage = usage or {}
    tokens = int(usage.get("input_tokens") or 0) + int(usage.get("output_tokens") or 0)
    w = windows()
    try:
        done = counters.script("settle")(keys=[counters.run_record(run_id)], client=redis_client(), args=[
            run_id, tokens, counters.to_micro(usage.get("cost_usd") or 0), w.day, w.month, counters.COUNTER_TTL_S["d"],
            counters.COUNTER_TTL_S["m"]])
    except redis.RedisError as exc:
        logger.warning("limits: could not settle run %s now (%s); the sweeper will", run_id, exc)
        return False
    return bool(done)


def settle_finished_run(run_id: str) -> bool:
    """Settle with the run's final usage as stored."""
    from runs.models import Run

    usage = Run.objects.filter(pk=run_id).values_list("usage", flat=True).first()
    return settle_run(run_id, usage)
