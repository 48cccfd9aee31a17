"""Putting runs on the RQ queue (one job per execution attempt)."""
from __future__ import annotations

import django_rq

from runs.pubsub import sync_client

JOB = "runs.tasks.execute_run"


def enqueue_run(run_id: str) -> None:
    # The process's shared Redis client: `get_queue()` alone builds a new client (a new
    # connection) on every call. Timeouts are ours (run deadline, per-call limits); RQ's would
    # kill the worker's main thread.
    django_rq.get_queue("runs", connection=sync_client()).enqueue(JOB, run_id, job_timeout=-1, result_ttl=0,
                                                                  failure_ttl=86_400)
