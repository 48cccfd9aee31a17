"""Leases on executing runs: claim, heartbeat (which also carries cancel and deadline), and
recovery of runs whose worker died.

Each worker process has one heartbeat thread: every RUN_HEARTBEAT_S it renews the lease of the
runs it executes and reads their `cancel_requested` flag; a run past its deadline is flagged as
timed out. A recovery thread re-enqueues runs whose lease expired (their worker is gone).
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from django.conf import settings

from runs.db import writer

logger = logging.getLogger(__name__)


@dataclass
class RunControl:
    """The engine's cancel token for one run; `reason` says why it stops."""

    run_id: str
    owner: str
    deadline: float  # time.monotonic()
    reason: str | None = None  # "cancelled" | "timed_out" | "lease_lost"
    _event: threading.Event = field(default_factory=threading.Event)

    def stop(self, reason: str) -> None:
        if self.reason is None:
            self.reason = reason
        self._event.set()

    def is_cancelled(self) -> bool:
        if not self._event.is_set() and time.monotonic() > self.deadline:
            self.stop("timed_out")
        return self._event.is_set()

    def wait(self, timeout: float) -> bool:
        return self._event.wait(timeout)


def claim(run_id: str, owner: str, worker: str) -> bool:
    """Take the run if it is runnable and nobody holds a live lease on it, and start it (one
    statement; `run.started` is published on its first start). Returns whether it is ours."""
    from runs import event_log, lifecycle, pubsub

    with writer() as cur:
        claimed = lifecycle.claim_and_start(cur, run_id, owner=owner, worker=worker, lease_s=settings.RUN_LEASE_S)
    if claimed is None:
        return False
    seq, first, attempts, ts = claimed
    if first:
        event = event_log.PendingEvent("run.started", ts, {"attempt": attempts, "worker": worker}, step=-1)
        pubsub.publish(run_id, [event_log.event_dict(run_id, seq, event)])
    return True


def release(run_id: str, owner: str) -> None:
    with writer() as cur:
        cur.execute("UPDATE runs_run SET lease_owner = '', lease_expires_at = NULL "
                    "WHERE id = %s AND lease_owner = %s", (run_id, owner))


class Heartbeat:
    def __init__(self) -> None:
        self._controls: dict[str, RunControl] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def watch(self, control: RunControl) -> None:
        with self._lock:
            self._controls[control.run_id] = control
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="run-heartbeat", daemon=True)
                self._thread.start()

    def unwatch(self, run_id: str) -> None:
        with self._lock:
            self._controls.pop(run_id, None)

    def _loop(self) -> None:
        while True:
            time.sleep(settings.RUN_HEARTBEAT_S)
            with self._lock:
                controls = list(self._controls.values())
            for control in controls:
                try:
                    self._beat(control)
                except Exception:  # keep beating for the other runs; the next beat retries
                    logger.exception("heartbeat failed for %s", control.run_id)

    @staticmethod
    def _beat(control: RunControl) -> None:
        with writer() as cur:
            cur.execute("UPDATE runs_run SET lease_expires_at = now() + make_interval(secs => %s) "
                        "WHERE id = %s AND lease_owner = %s RETURNING cancel_requested",
                        (settings.RUN_LEASE_S, control.run_id, control.owner))
            row = cur.fetchone()
        if row is None:
            control.stop("lease_lost")
        elif row[0]:
            control.stop("cancelled")
        control.is_cancelled()  # applies the deadline


heartbeat = Heartbeat()


def expired_runs() -> list[str]:
    """Runs whose worker stopped renewing the lease: free them for another worker."""
    with writer() as cur:
        cur.execute("UPDATE runs_run SET lease_owner = '', lease_expires_at = NULL "
                    "WHERE status = 'running' AND lease_owner <> '' AND lease_expires_at < now() RETURNING id")
        return [row[0] for row in cur.fetchall()]


def start_recovery_thread() -> threading.Thread:
    """Re-enqueue runs whose worker died (expired lease), from every worker process."""
    from runs.queue import enqueue_run

    def loop() -> None:
        while True:
            time.sleep(max(0.2, settings.RUN_LEASE_S / 2))
            try:
                for run_id in expired_runs():
                    logger.warning("run %s lost its worker; re-enqueued", run_id)
                    enqueue_run(run_id)
            except Exception:
                logger.exception("run recovery pass failed")

    thread = threading.Thread(target=loop, name="run-recovery", daemon=True)
    thread.start()
    return thread
