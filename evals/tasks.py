"""RQ job entry points: load ids, call the runner, nothing else."""
from __future__ import annotations

from rq import get_current_job


def execute_eval(eval_id: str) -> None:
    from evals.runner import execute_eval as execute

    job = get_current_job()
    execute(eval_id, worker_name=job.worker_name if job and job.worker_name else "worker")
