"""The platform worker: an RQ worker that runs jobs in-process (no fork per job), plus the
recovery thread (runs.recovery) that hands back runs whose worker died and sweeps lost jobs.

It survives its dependencies: before each job it drops database connections a failed job left
broken and, after a dependency dropped, waits (with backoff) until PostgreSQL and Redis answer;
if RQ's loop stops on a Redis error, a fresh RQ worker is started on a fresh connection. Only a
stop request (SIGTERM/SIGINT) or the end of a burst ends `run_worker`. On a stop request the run in
hand goes on for `WORKER_DRAIN_S`, then is handed back at its next step for another worker.
"""
from __future__ import annotations

import logging
import os
import sys
import threading
import time
import uuid

import django_rq
from django.conf import settings
from django.db import close_old_connections
from rq import SimpleWorker
from rq.exceptions import StopRequested
from rq.executions import Execution
from rq.job import Job, JobStatus
from rq.queue import Queue
from rq.utils import now
from rq.worker import WorkerStatus

from runs import dependencies, leases
from runs import queue as run_queue
from runs.recovery import start_recovery_thread

logger = logging.getLogger(__name__)

# RQ renews the worker's registration (3 Redis commands) twice around every dequeue, besides the
# renewal in each job's preparation pipeline; its TTL is minutes, so renewals closer together than
# this are skipped.
REGISTRATION_RENEWAL_S = 2.0
# `rq suspend` is checked (with a registration renewal: one round trip) at most this often, not
# before every job.
SUSPENSION_CHECK_S = 1.0


class PlatformWorker(SimpleWorker):
    _drain_timer: threading.Timer | None = None
    _suspension_checked = float("-inf")

    def heartbeat(self, timeout=None, pipeline=None):
        if pipeline is None and timeout is None and self.last_heartbeat is not None \
                and (now() - self.last_heartbeat).total_seconds() < REGISTRATION_RENEWAL_S:
            return
        super().heartbeat(timeout, pipeline)

    def set_state(self, state, pipeline=None):
        if pipeline is None and state == self.get_state():  # RQ sets "idle" twice between two jobs
            return
        super().set_state(state, pipeline)

    def check_for_suspension(self, burst):
        if time.monotonic() - self._suspension_checked < SUSPENSION_CHECK_S:
            return
        super().check_for_suspension(burst)
        self._suspension_checked = time.monotonic()

    def execute_job(self, job, queue):
        if dependencies.outage.pending():
            self._reconnect()
        close_old_connections()  # a connection an earlier job broke is dropped, not reused
        if job.func_name == run_queue.JOB and job.timeout == -1 and not job.get_result_ttl(self.default_result_ttl):
            self._execute_run_job(job, queue)
        else:
            super().execute_job(job, queue)
        close_old_connections()

    def _execute_run_job(self, job: Job, queue: Queue) -> None:
        """RQ's execution of a job, for the jobs `runs.queue.enqueue_run` makes (no timeout, no
        result kept, no dependents, callbacks, repeats or rate limit), in two pipelines after the
        dequeue's two round trips (RQ's own path: ~15 after them): the same records while it runs (the execution in the started registry, which
        the sweeper reads; the job `started`), then all of them deleted as RQ deletes a finished job
        with `result_ttl=0`. A job that raises takes RQ's own failure path (failed registry)."""
        with self.connection.pipeline() as pipeline:  # RQ's prepare_execution + prepare_job_execution
            ttl = self.get_heartbeat_ttl(job)
            execution = Execution.create(job, ttl, pipeline=pipeline, worker_name=self.name)
            self.executions[execution.id] = execution
            self.set_state(WorkerStatus.BUSY, pipeline=pipeline)
            self.heartbeat(ttl, pipeline=pipeline)
            job.prepare_for_execution(self.name, pipeline=pipeline)
            pipeline.persist(job.key)
            if len(self.queues) == 1:
                pipeline.lrem(queue.intermediate_queue_key, 1, job.id)
            pipeline.execute()
        try:
            job.perform()
        except:  # noqa: E722 - as RQ's perform_job: anything the job raised fails the job, the loop goes on
            self._finalize_failure(job, queue, execution, sys.exc_info())
            self.set_state(WorkerStatus.IDLE)
            return
        job.ended_at = now()
        job._status = JobStatus.FINISHED
        with self.connection.pipeline() as pipeline:  # RQ's handle_job_success with result_ttl=0
            self.increment_successful_job_count(pipeline=pipeline)
            self.increment_total_working_time(job.ended_at - job.started_at, pipeline)
            self.cleanup_execution(job, pipeline=pipeline, execution=execution)
            pipeline.delete(job.key, job.dependents_key, job.dependencies_key, job.execution_registry.key)
            self.set_state(WorkerStatus.IDLE, pipeline=pipeline)
            pipeline.execute()
        self.log.debug("Worker %s: %s: job %s done", self.name, queue.name, job.id)

    def request_stop(self, signum, frame):
        """SIGTERM/SIGINT: RQ's warm shutdown (finish the job in hand, take no other); a run still
        going after `WORKER_DRAIN_S` is handed back at its next step (the worker then exits)."""
        super().request_stop(signum, frame)
        if self._drain_timer is None:
            self._drain_timer = threading.Timer(settings.WORKER_DRAIN_S, self._hand_back_runs)
            self._drain_timer.daemon = True
            self._drain_timer.start()

    @staticmethod
    def _hand_back_runs() -> None:
        stopped = leases.heartbeat.stop_all("worker_stopping")
        if stopped:
            logger.warning("worker stopping: handing back %d run(s) at their next step", stopped)

    def _reconnect(self) -> None:
        if dependencies.wait_until_available(stop=lambda: self._stop_requested):
            dependencies.outage.clear()


def _new_worker(queues: list[str], name: str | None) -> PlatformWorker:
    connection = django_rq.get_connection("runs")
    # Unique per process and start: a killed worker's registration lingers in Redis until its TTL.
    unique = f"{name or 'worker'}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    return PlatformWorker([django_rq.get_queue(q, connection=connection) for q in queues], connection=connection,
                          name=unique)


def _stop_requested(worker: PlatformWorker | None) -> bool:
    return worker is not None and (worker._stop_requested or worker._shutdown_requested_date is not None)


def run_worker(*, queues: list[str], name: str | None = None, burst: bool = False) -> None:
    if not burst:
        start_recovery_thread()
    backoff = dependencies.Backoff(max_s=10.0)
    try:
        while True:
            worker: PlatformWorker | None = None
            started = time.monotonic()
            try:
                worker = _new_worker(queues, name)
                worker.work(burst=burst, with_scheduler=True)
            except Exception as exc:  # noqa: BLE001 - registration or teardown failed: Redis is down
                logger.warning("worker loop stopped: %s: %s", type(exc).__name__, exc)
            if burst or _stop_requested(worker):
                return
            # RQ's loop ends on any unhandled error (it logs "quitting"): reconnect, start again.
            if time.monotonic() - started > 60:
                backoff.reset()
            dependencies.outage.report()
            delay = backoff.next_delay()
            logger.warning("worker loop ended without a stop request; restarting in %.1f s", delay)
            time.sleep(delay)
            dependencies.wait_until_available()
    except StopRequested:  # a signal between two loops (RQ's handlers are still installed)
        return
