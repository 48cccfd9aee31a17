"""Leases on executing runs: claim, heartbeat (which also carries cancel and deadline), and
recovery of runs whose worker died.

Each worker process has one heartbeat thread: every RUN_HEARTBEAT_S it renews the lease of the
runs it executes and reads their `cancel_requested` flag; a run past its deadline is flagged as
timed out. A run whose worker cannot go on (a dependency dropped) is handed back to the queue.
Runs whose lease expired (their worker is gone) are recovered by `runs.recovery`.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf import settings

from runs.db import writer
from runs.models import QUEUED

logger = logging.getLogger(__name__)


@dataclass
class RunControl:
    """The engine's cancel token for one run; `reason` says why it stops."""

    run_id: str
    owner: str
    deadline: float  # time.monotonic()
    reason: str | None = None  # "cancelled" | "timed_out" | "lease_lost" | "worker_stopping"
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


@dataclass(frozen=True)
class Claim:
    """A claimed run; `fresh`: first start and nothing stored of an earlier execution (no checkpoint)."""

    fresh: bool


def claim(run_id: str, owner: str, worker: str, *, hold: str = "") -> Claim | None:
    """Take the run if it is runnable and nobody holds a live lease on it (but `hold`, the
    caller's own hold), and start it (one statement; `run.started` is published on its first
    start). Returns a `Claim` if it is ours.

    A run whose earlier attempts failed `RUN_MAX_ATTEMPTS` times (its worker died, or it raised
    before its engine started) is failed instead (`worker_crashed` / `poison_run`)."""
    from runs import event_log, lifecycle, pubsub, recovery

    with writer() as cur:
        claimed = lifecycle.claim_and_start(cur, run_id, owner=owner, worker=worker, lease_s=settings.RUN_LEASE_S,
                                            hold=hold)
    if claimed is None:
        return None
    seq, first, attempts, ts, fresh = claimed
    if first:
        event = event_log.PendingEvent("run.started", ts, {"attempt": attempts, "worker": worker}, step=-1)
        _publish_quietly(pubsub, run_id, [event_log.event_dict(run_id, seq, event)])
    if attempts > settings.RUN_MAX_ATTEMPTS and recovery.give_up_if_exhausted(run_id, owner):
        return None
    return Claim(fresh=fresh)


def _publish_quietly(pubsub, run_id: str, events: list[dict]) -> None:
    """Live delivery is best effort here: the event is stored, and streams replay from storage."""
    try:
        pubsub.publish(run_id, events)
    except Exception:  # noqa: BLE001 - Redis down: followers catch up from the database
        logger.warning("run %s: could not publish an event (Redis unavailable)", run_id)


def release(run_id: str, owner: str) -> None:
    with writer() as cur:
        cur.execute("UPDATE runs_run SET lease_owner = '', lease_expires_at = NULL "
                    "WHERE id = %s AND lease_owner = %s", (run_id, owner))


def hand_back(run_id: str, owner: str, *, reason: str, error: BaseException | None = None) -> bool:
    """Give a run we hold back to the queue (status `queued`, lease free, a `run.requeued` event,
    in one statement), then enqueue it; another attempt resumes it from its checkpoint.

    Used when a dependency dropped (`reason="dependency_unavailable"`, which does not count
    towards the attempt cap) or the run raised before its engine started (`"error"`, which does).
    Retries while the database is down, up to one lease period: after that the lease has expired
    and the recovery pass hands it back instead. A failed enqueue (Redis down) is left to the
    sweeper. Returns whether the run was handed back by us."""
    from runs import dependencies, event_log, lifecycle, pubsub, queue

    data: dict = {"reason": reason}
    if error is not None:
        data["error"] = {"type": type(error).__name__, "message": str(error)[:2000]}
    backoff = dependencies.Backoff(max_s=2.0)
    deadline = time.monotonic() + settings.RUN_LEASE_S
    while True:
        event = event_log.PendingEvent("run.requeued", datetime.now(UTC), data, step=-1)
        try:
            with writer() as cur:
                seq = lifecycle.transition(cur, run_id, QUEUED, owner=owner, event=event, lease_owner="",
                                           lease_expires_at=None)
            break
        except dependencies.TRANSIENT_ERRORS:
            if time.monotonic() > deadline:
                logger.warning("run %s: could not hand back (database down); its lease will expire", run_id)
                return False
            time.sleep(backoff.next_delay())
    if not seq:
        return False  # no longer ours (lease taken over, or cancelled meanwhile)
    logger.warning("run %s handed back to the queue (%s)", run_id, reason)
    _publish_quietly(pubsub, run_id, [event_log.event_dict(run_id, seq, event)])
    queue.enqueue_run(run_id)  # if Redis is down, the sweeper enqueues it later
    return True


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
                except Exception as exc:  # keep beating for the other runs; the next beat retries
                    logger.warning("heartbeat failed for %s: %s: %s", control.run_id, type(exc).__name__, exc)

    def stop_all(self, reason: str) -> int:
        """Stop every run this process executes (a draining worker: `reason="worker_stopping"`)."""
        with self._lock:
            controls = list(self._controls.values())
        for control in controls:
            control.stop(reason)
        return len(controls)

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
