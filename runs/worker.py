"""The platform worker: an RQ worker that runs jobs in-process (no fork per job), plus the
recovery thread that re-enqueues runs whose worker died."""
from __future__ import annotations

import os
import uuid

import django_rq
from rq import SimpleWorker

from runs.leases import start_recovery_thread


def run_worker(*, queues: list[str], name: str | None = None, burst: bool = False) -> None:
    connection = django_rq.get_connection("runs")
    # Unique per process: a killed worker's registration lingers in Redis until its TTL.
    unique = f"{name or 'worker'}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    worker = SimpleWorker([django_rq.get_queue(q, connection=connection) for q in queues], connection=connection,
                          name=unique)
    if not burst:
        start_recovery_thread()
    worker.work(burst=burst, with_scheduler=True)
