"""Recovering slots and reservations that no settlement freed (a worker killed between finishing a
run and settling it, an admission whose run was never committed): compare the slots in Redis with
the runs in PostgreSQL. Runs still alive get their slot's lease extended, so a long wait for human
input keeps its slot; ended or missing runs are settled. Also run on a refused admission."""
from __future__ import annotations

import logging

from agent_platform.redis_client import redis_client
from limits import counters
from limits.settlement import settle_run
from limits.windows import windows

logger = logging.getLogger(__name__)
ORPHAN_AFTER_MS = 60_000  # an admitted run not in the database after this long was rolled back
LEASE_GRACE_S = 600


def reconcile_scope(scope: str) -> int:
    """Settle the slots of `scope` whose runs ended or never existed; returns how many were freed."""
    from runs.models import TERMINAL, Run

    client = redis_client()
    members = [m.decode() for m in client.zrange(counters.slots_key(scope), 0, -1)]
    if not members:
        return 0
    runs = {row[0]: row for row in Run.objects.filter(pk__in=members).values_list("id", "status", "usage",
                                                                                   "timeout_s")}
    now_ms = windows().now_ms
    freed = 0
    for run_id in members:
        row = runs.get(run_id)
        if row is None:
            at = client.hget(counters.run_record(run_id), "at")
            if at is not None and now_ms - int(float(at)) < ORPHAN_AFTER_MS:
                continue  # being created right now
            if at is None:  # no record left: only the slot
                freed += client.zrem(counters.slots_key(scope), run_id)
                continue
            freed += settle_run(run_id, None)
        elif row[1] in TERMINAL:
            freed += settle_run(run_id, row[2])
        else:
            client.zadd(counters.slots_key(scope), {run_id: now_ms + int((row[3] + LEASE_GRACE_S) * 1000)}, xx=True)
    if freed:
        logger.info("limits: freed %d slot(s) of %s that no settlement freed", freed, scope)
    return freed


def sweep() -> int:
    """Reconcile every scope that holds slots."""
    freed = 0
    for key in redis_client().scan_iter(match="lim:*:slots", count=500):
        scope = key.decode()[len("lim:"):-len(":slots")]
        freed += reconcile_scope(scope)
    return freed
