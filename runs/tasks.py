"""RQ job entry points: load ids, call the executor, nothing else."""
from __future__ import annotations

from rq import get_current_job

# In-process retries of one job across outages; after that the run waits on the queue
# (handed back, or still queued) for the sweeper, so a run that keeps meeting them cannot pin a worker.
MAX_OUTAGE_RETRIES = 5


def execute_run(run_id: str) -> None:
    """Execute a run. If PostgreSQL or Redis drops (before the claim, or mid-run: the executor
    then hands the run back), wait for them (reconnecting with backoff) and try again here: the
    job is not failed for an outage, and the run resumes from its checkpoint."""
    from runs import dependencies, otel_export
    from runs.executor import execute_run as execute

    job = get_current_job()
    worker_name = job.worker_name if job and job.worker_name else "worker"
    with otel_export.execution(run_id, job.meta if job else None):  # traced under the enqueuing request
        for _ in range(MAX_OUTAGE_RETRIES):
            try:
                execute(run_id, worker_name=worker_name)
                return
            except Exception as exc:
                if not dependencies.is_transient(exc):
                    raise
                dependencies.outage.report()
                if not dependencies.wait_until_available():
                    raise
                dependencies.outage.clear()
