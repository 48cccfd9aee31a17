"""Runs that can never get stuck: the periodic recovery pass every worker runs on a thread.

One pass at a time across all workers (a PostgreSQL advisory lock): it
- hands back runs whose lease expired (their worker died or stalled): `running → queued` with a
  `run.requeued` event in one statement, then enqueues them. A crash between the two leaves a
  queued run, which the next step catches, so the pass is idempotent;
- re-enqueues `queued` runs older than `RUN_SWEEP_QUEUED_AFTER_S` that have no live job (an
  enqueue lost to a Redis outage or a crash after commit);
- deletes idempotency records past their lifetime.

The attempt cap lives here too: a run whose attempts failed `RUN_MAX_ATTEMPTS` times since its
last answered pause ends `failed` with `worker_crashed` (its worker kept dying) or `poison_run`
(it raised before its engine started), carrying the last error.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from django.conf import settings

from limits.settlement import settle_finished_run
from runs.db import writer
from runs.models import FAILED, QUEUED

logger = logging.getLogger(__name__)

LOCK_KEY = 0x52554E53  # "RUNS": the advisory lock of the recovery pass
COUNTED_REASONS = ("worker_lost", "error")  # a dropped dependency is not the run's fault
BATCH = 500


@contextmanager
def exclusive() -> Iterator[bool]:
    """Hold the recovery lock for the block if no other worker does; yields whether we do."""
    with writer() as cur:
        cur.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,))
        mine = bool(cur.fetchone()[0])
    try:
        yield mine
    finally:
        if mine:
            try:
                with writer() as cur:
                    cur.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
            except Exception:  # noqa: BLE001 - a dropped connection released the lock already
                logger.debug("advisory unlock failed", exc_info=True)


def _publish_and_enqueue(moved: list[tuple[str, int, object]]) -> None:
    from runs import event_log, pubsub, queue

    for run_id, seq, event in moved:
        try:
            pubsub.publish(run_id, [event_log.event_dict(run_id, seq, event)])
        except Exception:  # noqa: BLE001 - Redis down: followers replay it from the database
            logger.warning("run %s: requeued, but its event could not be published", run_id)
        queue.enqueue_run(run_id)  # Redis down: the run is queued, the sweeper enqueues it


def requeue_expired() -> list[str]:
    """Hand back runs whose worker stopped renewing the lease; returns their ids."""
    from runs import event_log, lifecycle

    with writer() as cur:
        cur.execute("SELECT id FROM runs_run WHERE status = 'running' AND (lease_owner = '' "
                    "OR lease_expires_at IS NULL OR lease_expires_at < now()) LIMIT %s", (BATCH,))
        candidates = [row[0] for row in cur.fetchall()]
    moved = []
    for run_id in candidates:
        event = event_log.PendingEvent("run.requeued", datetime.now(UTC), {"reason": "worker_lost"}, step=-1)
        with writer() as cur:
            seq = lifecycle.transition(cur, run_id, QUEUED, lease_expired=True, event=event, lease_owner="",
                                       lease_expires_at=None)
        if seq:
            logger.warning("run %s lost its worker; handed back to the queue", run_id)
            moved.append((run_id, seq, event))
    _publish_and_enqueue(moved)
    return [run_id for run_id, _, _ in moved]


def sweep_queued(after_s: float | None = None) -> list[str]:
    """Enqueue `queued` runs waiting longer than `after_s` with no job in the queue or executing."""
    from runs import queue

    after_s = settings.RUN_SWEEP_QUEUED_AFTER_S if after_s is None else after_s
    with writer() as cur:
        cur.execute("SELECT id FROM runs_run WHERE status = 'queued' AND COALESCE(resumed_at, created_at) "
                    "< now() - make_interval(secs => %s) ORDER BY created_at LIMIT %s", (after_s, BATCH))
        candidates = [row[0] for row in cur.fetchall()]
    if not candidates:
        return []
    live = queue.runs_with_live_jobs()
    stale = [run_id for run_id in candidates if run_id not in live]
    enqueued = [run_id for run_id in stale if queue.enqueue_run(run_id)]
    for run_id in enqueued:
        logger.warning("run %s was queued with no job; re-enqueued", run_id)
    return enqueued


def give_up_if_exhausted(run_id: str, owner: str) -> bool:
    """End a run we just claimed as `failed` if its attempts since the last answered pause failed
    `RUN_MAX_ATTEMPTS` times; returns whether it was ended."""
    from runs import event_log, lifecycle, webhooks
    from runs.models import Run

    with writer() as cur:
        cur.execute("SELECT data FROM runs_event WHERE run_id = %(run)s AND type = 'run.requeued' AND seq > "
                    "(SELECT coalesce(max(seq), 0) FROM runs_event WHERE run_id = %(run)s AND type = 'run.resumed') "
                    "ORDER BY seq", {"run": run_id})
        failures = [row[0] for row in cur.fetchall() if (row[0] or {}).get("reason") in COUNTED_REASONS]
        if len(failures) < settings.RUN_MAX_ATTEMPTS:
            return False
        last = failures[-1]
        code = "poison_run" if last.get("reason") == "error" else "worker_crashed"
        last_error = last.get("error") or {"type": "worker_lost",
                                           "message": "the worker executing the run stopped renewing its lease"}
        error = {"type": code, "message": f"gave up after {len(failures)} failed attempts; last error: "
                                          f"{last_error.get('type')}: {last_error.get('message')}",
                 "details": {"attempts": len(failures), "last_error": last_error}}
        cur.execute("SELECT usage FROM runs_run WHERE id = %s", (run_id,))
        usage = cur.fetchone()[0] or {}
        event = event_log.PendingEvent("run.failed", datetime.now(UTC), {"error": error, "usage": usage}, step=-1)
        seq = lifecycle.transition(cur, run_id, FAILED, owner=owner, event=event, error=error)
    if not seq:
        return False
    logger.error("run %s failed: %s", run_id, error["message"])
    settle_finished_run(run_id)  # limits: free its slot and reservation
    from runs import pubsub

    try:
        pubsub.publish(run_id, [event_log.event_dict(run_id, seq, event)])
        webhooks.notify(Run.objects.get(pk=run_id), "run.failed")
    except Exception:  # noqa: BLE001 - stored; live delivery is best effort during an outage
        logger.warning("run %s: could not publish its failure", run_id)
    return True


def recovery_pass(*, judge_leases: bool = True) -> None:
    """One pass (if no other worker is running one). `judge_leases=False` skips the hand-back of
    expired leases: right after this process reconnected, the live workers' heartbeats (cut off by
    the same outage) have not had a lease period to renew theirs yet."""
    from agent_platform.api.idempotency import purge_expired

    with exclusive() as mine:
        if not mine:
            return
        if judge_leases:
            requeue_expired()
        sweep_queued()
        with writer() as cur:
            purge_expired(cur)
        from evals.recovery import requeue_stale_evals

        requeue_stale_evals()  # evals whose coordinator died go back on the `evals` queue


def start_recovery_thread() -> threading.Thread:
    """Run the recovery pass every half lease, from every worker process (one at a time)."""
    from runs.dependencies import Backoff

    def loop() -> None:
        backoff = Backoff(max_s=10.0)
        connected_since = time.monotonic()
        while True:
            time.sleep(max(0.2, settings.RUN_LEASE_S / 2))
            try:
                recovery_pass(judge_leases=time.monotonic() - connected_since > settings.RUN_LEASE_S)
                backoff.reset()
            except Exception as exc:  # a dependency is down: try again later, never stop
                logger.warning("run recovery pass failed: %s: %s", type(exc).__name__, exc)
                time.sleep(backoff.next_delay())
                connected_since = time.monotonic()

    thread = threading.Thread(target=loop, name="run-recovery", daemon=True)
    thread.start()
    return thread
