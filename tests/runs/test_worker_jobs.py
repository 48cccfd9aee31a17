"""The platform worker's own handling of `runs` jobs (runs.worker.PlatformWorker._execute_run_job):
the records RQ keeps while a job executes are there (the sweeper reads the started registry), and
none is left once it ended; a job that raises is failed the way RQ fails one, and the loop goes on
(real PostgreSQL and Redis, the worker's loop in this process in burst mode)."""
from __future__ import annotations

import django_rq
import pytest
from rq.job import Job
from rq.registry import FailedJobRegistry, StartedJobRegistry

from runs import executor, queue
from runs.models import Run
from runs.services import create_run
from runs.worker import PlatformWorker, run_worker
from tests.runs.factories import scripted_agent
from tests.runs.test_failure_handling import _forget_other_jobs

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def empty_runs_queue():
    _forget_other_jobs()
    yield
    django_rq.get_queue("runs").empty()


def _rq_keys_of(connection, job_id: str) -> list[str]:
    return sorted(key.decode() for key in connection.scan_iter(f"*{job_id}*"))


def test_a_runs_job_is_registered_while_it_executes_and_leaves_nothing_behind(project, monkeypatch):
    scripted_agent(project, script=[{"text": "done"}])
    runs = [create_run(project=project, agent="helper", input={"message": str(i)}) for i in range(3)]
    connection = django_rq.get_queue("runs").connection
    job_ids = [job.decode() for job in connection.lrange("rq:queue:runs", 0, -1)]
    assert [queue.run_of_job(job) for job in job_ids] == [run.pk for run in runs]
    seen: dict[str, tuple[set[str], bytes | None]] = {}
    real = executor.execute_run

    def observing(run_id, **kwargs):
        job_id = next(job for job in job_ids if queue.run_of_job(job) == run_id)
        seen[run_id] = (queue.runs_with_live_jobs(), connection.hget(Job.key_for(job_id), "status"))
        return real(run_id, **kwargs)

    monkeypatch.setattr(executor, "execute_run", observing)
    run_worker(queues=["runs"], name="test-jobs", burst=True)

    assert {run.pk: Run.objects.get(pk=run.pk).status for run in runs} == {run.pk: "succeeded" for run in runs}
    for run in runs:  # the sweeper saw each run's job as live while it executed: it would not enqueue it again
        live, status = seen[run.pk]
        assert run.pk in live and status == b"started"
    for job_id in job_ids:  # job hash, execution, the per-job executions set, the started registry entry
        assert _rq_keys_of(connection, job_id) == []
    assert StartedJobRegistry("runs", connection=connection).get_job_ids(cleanup=False) == []
    assert connection.llen("rq:queue:runs:intermediate") == 0


def test_a_runs_job_that_raises_is_failed_as_rq_fails_it_and_the_next_job_runs(project, monkeypatch):
    scripted_agent(project, script=[{"text": "done"}])
    first, second = (create_run(project=project, agent="helper", input={"message": str(i)}) for i in range(2))
    connection = django_rq.get_queue("runs").connection
    first_job = next(job.decode() for job in connection.lrange("rq:queue:runs", 0, -1)
                     if queue.run_of_job(job.decode()) == first.pk)
    real = executor.execute_run

    def failing_first(run_id, **kwargs):
        if run_id == first.pk:
            raise ValueError("a bug in the executor")
        return real(run_id, **kwargs)

    monkeypatch.setattr(executor, "execute_run", failing_first)
    counted: list[str] = []
    monkeypatch.setattr(PlatformWorker, "handle_exception",
                        lambda self, job, *exc_info: counted.append(job.id))
    run_worker(queues=["runs"], name="test-jobs", burst=True)

    failed = FailedJobRegistry("runs", connection=connection)
    assert failed.get_job_ids() == [first_job] and counted == [first_job]
    job = Job.fetch(first_job, connection=connection)
    assert job.get_status() == "failed" and "a bug in the executor" in (job.latest_result().exc_string or "")
    assert Run.objects.get(pk=second.pk).status == "succeeded"
    assert StartedJobRegistry("runs", connection=connection).get_job_ids(cleanup=False) == []
