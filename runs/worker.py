"""The platform worker: an RQ worker that runs jobs in-process (no fork per job)."""
from __future__ import annotations

import django_rq
from rq import SimpleWorker


def run_worker(*, queues: list[str], name: str | None = None, burst: bool = False) -> None:
    connection = django_rq.get_connection("runs")
    worker = SimpleWorker([django_rq.get_queue(q, connection=connection) for q in queues], connection=connection,
                          name=name)
    worker.work(burst=burst, with_scheduler=False)
