"""Putting runs on the RQ queue (one job per execution attempt)."""
from __future__ import annotations

import django_rq

JOB = "runs.tasks.execute_run"


def enqueue_run(run_id: str) -> None:
    # Timeouts are ours (run deadline, per-call limits); RQ's would kill the worker's main thread.
    django_rq.get_queue("runs").enqueue(JOB, run_id, job_timeout=-1, result_ttl=0, failure_ttl=86_400)
