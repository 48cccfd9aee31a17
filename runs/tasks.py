"""RQ job entry points: load ids, call the executor, nothing else."""
from __future__ import annotations

from rq import get_current_job


def execute_run(run_id: str) -> None:
    from runs.executor import execute_run as execute

    job = get_current_job()
    execute(run_id, worker_name=(job.worker_name if job and job.worker_name else "worker"))
