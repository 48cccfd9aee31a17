"""Putting runs on the RQ queue (one job per execution attempt).

A job's id starts with its run's id (`<run id>-<random>`), so the sweeper can tell which runs
have a live job (queued or executing) from the queue and the started registry alone.
"""
from __future__ import annotations

import logging
import uuid

import django_rq
import redis
from rq.registry import StartedJobRegistry

from agent_platform.redis_client import redis_client
from runs import otel_export

logger = logging.getLogger(__name__)
JOB = "runs.tasks.execute_run"
QUEUE = "runs"


def job_id(run_id: str) -> str:
    return f"{run_id}-{uuid.uuid4().hex[:12]}"


def run_of_job(job_id: str) -> str:
    """The run id in a job id (or in a started-registry entry, `<job id>:<execution id>`)."""
    return job_id.split(":", 1)[0].rsplit("-", 1)[0]


def enqueue_run(run_id: str) -> bool:
    """Put one job for the run on the queue; False if Redis is unavailable. Never raises for an
    outage: the run is stored `queued`, and the sweeper (runs.recovery) enqueues queued runs that
    have no job, so a create during a Redis outage still answers 201."""
    # The process's shared Redis client: `get_queue()` alone builds a new client (a new
    # connection) on every call. Timeouts are ours (run deadline, per-call limits); RQ's would
    # kill the worker's main thread.
    try:
        django_rq.get_queue(QUEUE, connection=redis_client()).enqueue(
            JOB, run_id, job_id=job_id(run_id), job_timeout=-1, result_ttl=0, failure_ttl=86_400,
            meta=otel_export.trace_carrier())  # the request's trace context: the run's spans join its trace
    except (redis.ConnectionError, redis.TimeoutError) as exc:
        logger.warning("run %s not enqueued (%s: %s); the sweeper will enqueue it", run_id, type(exc).__name__, exc)
        return False
    return True


def runs_with_live_jobs() -> set[str]:
    """Ids of runs that have a job waiting in the queue or being executed."""
    connection = redis_client()
    queue = django_rq.get_queue(QUEUE, connection=connection)
    ids = list(queue.get_job_ids())
    ids += StartedJobRegistry(QUEUE, connection=connection).get_job_ids()
    intermediate = getattr(queue, "intermediate_queue_key", None)
    if intermediate:  # jobs a worker has popped and not yet registered as started
        ids += [raw.decode() for raw in connection.lrange(intermediate, 0, -1)]
    return {run_of_job(job) for job in ids}
