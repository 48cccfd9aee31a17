"""The scheduler loop: hold the lease, claim each job's due tick, run it on a thread of its own."""
from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

import redis
from django.db import connections
from django.utils.module_loading import import_string

from agent_platform.scheduler.jobs import JOBS, Job
from agent_platform.scheduler.lease import PREFIX, Lease

logger = logging.getLogger("agent_platform.scheduler")


def tick_time(job: Job, tick: int) -> datetime:
    return datetime.fromtimestamp(tick * job.interval_s, UTC)


class Scheduler:
    """One scheduler instance. `step(now)` is one poll (tests drive it with explicit times);
    `run(stop)` polls every `poll_s` until `stop` is set."""

    def __init__(self, *, client: redis.Redis, jobs: Iterable[Job] = JOBS, lease_s: float = 15.0,
                 poll_s: float = 1.0, prefix: str = PREFIX, owner: str | None = None) -> None:
        self.jobs = tuple(jobs)
        names = [job.name for job in self.jobs]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate job names in {names}")
        self.client, self.poll_s = client, poll_s
        self.owner = owner or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.lease = Lease(client, self.owner, ttl_s=lease_s, prefix=prefix)
        self.leader = False
        self._claimed: dict[str, int] = {}  # the last tick this instance saw claimed, per job
        self._threads: dict[str, threading.Thread] = {}

    def step(self, now: float | None = None) -> list[tuple[str, int]]:
        """Take or keep the lease, then start every job whose tick at `now` (epoch seconds) is
        unclaimed and which is not still running; returns the (job, tick) pairs started."""
        now = time.time() if now is None else now
        was_leader, self.leader = self.leader, self.lease.acquire_or_renew()
        if self.leader != was_leader:
            logger.info("scheduler %s %s the lease", self.owner, "holds" if self.leader else "lost")
        if not self.leader:
            return []
        started = []
        for job in self.jobs:
            tick = int(now // job.interval_s)
            if tick <= self._claimed.get(job.name, -1) or self.running(job.name):
                continue
            claim = self.lease.claim_tick(job.name, tick)
            if claim < 0:  # the lease expired between the renewal and the claim
                self.leader = False
                break
            self._claimed[job.name] = tick
            if claim:
                self._start(job, tick)
                started.append((job.name, tick))
        return started

    def running(self, name: str) -> bool:
        thread = self._threads.get(name)
        return thread is not None and thread.is_alive()

    def wait_idle(self, timeout_s: float = 30.0) -> bool:
        """Wait for the jobs started so far; returns whether all finished in time."""
        deadline = time.monotonic() + timeout_s
        for thread in list(self._threads.values()):
            thread.join(max(0.0, deadline - time.monotonic()))
        return not any(thread.is_alive() for thread in self._threads.values())

    def run(self, stop: threading.Event, *, grace_s: float = 30.0) -> None:
        """Poll until `stop` is set; a Redis error is logged and retried with a growing delay."""
        delay = self.poll_s
        while not stop.is_set():
            try:
                self.step()
                delay = self.poll_s
            except redis.RedisError as exc:
                self.leader = False
                delay = min(10.0, delay * 2)
                logger.warning("scheduler: Redis unavailable (%s: %s); retrying in %.1f s",
                               type(exc).__name__, exc, delay)
            stop.wait(delay)
        if not self.wait_idle(grace_s):
            logger.warning("scheduler: jobs still running after %.0f s: %s", grace_s,
                           [name for name in self._threads if self.running(name)])
        try:
            self.lease.release()
        except redis.RedisError:
            logger.warning("scheduler: could not release the lease; it expires on its own")

    def _start(self, job: Job, tick: int) -> None:
        thread = threading.Thread(target=self._execute, args=(job, tick), name=f"job-{job.name}", daemon=True)
        self._threads[job.name] = thread
        thread.start()

    def _execute(self, job: Job, tick: int) -> None:
        started, at = time.monotonic(), tick_time(job, tick)
        error = ""
        try:
            function: Callable[..., object] = import_string(job.path)
            function(now=at)
        except Exception as exc:  # noqa: BLE001 - a failing job is logged and retried at its next tick
            error = f"{type(exc).__name__}: {exc}"
            logger.error("scheduler job %s (tick %s) failed: %s\n%s", job.name, at.isoformat(), error,
                         traceback.format_exc())
        finally:
            connections.close_all()  # this thread's connections: the thread ends here
        duration_ms = round((time.monotonic() - started) * 1000, 1)
        status = {"tick": tick, "scheduled_for": at.isoformat(), "finished_at": datetime.now(UTC).isoformat(),
                  "duration_ms": duration_ms, "ok": not error, "error": error[:500], "by": self.owner}
        try:
            self.client.hset(self.lease.status_key(), job.name, json.dumps(status))
        except redis.RedisError:
            logger.warning("scheduler: could not record the status of %s", job.name)
        logger.info("scheduler job %s ran for %s (%.1f ms)%s", job.name, at.isoformat(), duration_ms,
                    f": {error}" if error else "")


def job_status(client: redis.Redis, prefix: str = PREFIX) -> dict[str, dict]:
    """The last run of each job (as recorded by whichever instance ran it)."""
    raw = client.hgetall(f"{prefix}:status")
    return {name.decode(): json.loads(value) for name, value in raw.items()}
