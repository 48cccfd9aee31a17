"""Runs that can never get stuck: the queued sweeper, the lease hand-back after a worker died, the
attempt cap, and which errors count as a dependency outage (real PostgreSQL and Redis)."""
from __future__ import annotations

import django_rq
import psycopg
import pytest
from django.db import connection
from rq.job import Job
from rq.registry import StartedJobRegistry

from agent_platform.outages import is_dependency_outage
from runs import leases, queue, recovery
from runs.executor import execute_run
from runs.models import Event, Run
from runs.services import create_run
from tests.runs.factories import scripted_agent

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def empty_runs_queue():
    django_rq.get_queue("runs").empty()
    yield
    django_rq.get_queue("runs").empty()


def _run(project) -> Run:
    scripted_agent(project, script=[{"text": "done"}])
    return create_run(project=project, agent="helper", input={"message": "hi"})


def _age(run: Run, seconds: float) -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE runs_run SET created_at = created_at - make_interval(secs => %s) WHERE id = %s",
                       [seconds, run.pk])


def _types(run: Run) -> list[str]:
    return list(Event.objects.filter(run=run).order_by("seq").values_list("type", flat=True))


def _steal_lease(run: Run, owner: str) -> None:
    """What a worker that died mid-run leaves: `running`, its lease expired."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE runs_run SET status = 'running', lease_owner = %s, attempts = attempts + 1, "
                       "lease_expires_at = now() - interval '1 second' WHERE id = %s", [owner, run.pk])


def _forget_other_jobs() -> None:
    """Jobs that earlier tests' killed workers left in this Redis db are not this test's."""
    runs_queue = django_rq.get_queue("runs")
    runs_queue.empty()
    connection = runs_queue.connection
    started = StartedJobRegistry("runs", connection=connection)
    # rq 3's StartedJobRegistry has no remove(): drop the job hashes, then the registry itself.
    for job_id in started.get_job_ids(cleanup=False):
        connection.delete(Job.key_for(job_id))
    connection.delete(started.key)


def test_a_queued_run_whose_job_was_lost_is_re_enqueued(project):
    _forget_other_jobs()
    run = _run(project)
    assert queue.runs_with_live_jobs() == {run.pk}
    django_rq.get_queue("runs").empty()  # the enqueue was lost (a Redis restart, a crash after commit)
    assert recovery.sweep_queued(after_s=30) == []  # too young: its enqueue may still be on its way
    _age(run, 60)
    assert recovery.sweep_queued(after_s=30) == [run.pk]
    assert queue.runs_with_live_jobs() == {run.pk}
    assert recovery.sweep_queued(after_s=30) == []  # it has a job now: not enqueued twice
    assert execute_run(run.pk) == "succeeded"


def test_a_run_whose_worker_died_is_handed_back_atomically_and_resumed(project):
    _forget_other_jobs()
    run = _run(project)
    django_rq.get_queue("runs").empty()
    _steal_lease(run, "dead-worker/1")
    assert recovery.requeue_expired() == [run.pk]
    run.refresh_from_db()
    assert (run.status, run.lease_owner, run.lease_expires_at) == ("queued", "", None)
    assert _types(run)[-1] == "run.requeued"
    assert queue.runs_with_live_jobs() == {run.pk}
    assert recovery.requeue_expired() == []  # idempotent: nothing left to hand back
    assert execute_run(run.pk) == "succeeded"
    assert _types(run).count("run.succeeded") == 1


def test_a_live_lease_is_not_taken(project):
    run = _run(project)
    owner = "alive/1"
    assert leases.claim(run.pk, owner, "alive")
    assert recovery.requeue_expired() == []
    assert execute_run(run.pk) is None  # held by another worker
    assert Run.objects.get(pk=run.pk).lease_owner == owner


def test_after_three_dead_workers_the_run_fails_worker_crashed(project, settings):
    settings.RUN_MAX_ATTEMPTS = 3
    run = _run(project)
    for attempt in range(3):
        _steal_lease(run, f"dead/{attempt}")
        assert recovery.requeue_expired() == [run.pk]
    assert execute_run(run.pk) is None
    run.refresh_from_db()
    assert run.status == "failed"
    assert run.error["type"] == "worker_crashed"
    assert run.error["details"]["attempts"] == 3
    assert run.error["details"]["last_error"]["type"] == "worker_lost"
    kinds = _types(run)
    assert kinds.count("run.failed") == 1 and kinds[-1] == "run.failed"


def test_a_run_that_raises_before_its_engine_ends_poison_run_with_the_last_error(project, settings):
    settings.RUN_MAX_ATTEMPTS = 2
    run = _run(project)
    for attempt in range(2):
        owner = f"w/{attempt}"
        assert leases.claim(run.pk, owner, "w")
        assert leases.hand_back(run.pk, owner, reason="error", error=ValueError(f"broken start {attempt}"))
    assert not leases.claim(run.pk, "w/last", "w")
    run.refresh_from_db()
    assert run.status == "failed" and run.error["type"] == "poison_run"
    assert run.error["details"]["last_error"] == {"type": "ValueError", "message": "broken start 1"}
    assert "broken start 1" in run.error["message"]


def test_dependency_outages_do_not_count_towards_the_cap(project, settings):
    settings.RUN_MAX_ATTEMPTS = 2
    run = _run(project)
    for attempt in range(4):
        owner = f"w/{attempt}"
        assert leases.claim(run.pk, owner, "w")
        lost = psycopg.OperationalError("the connection is closed")
        assert leases.hand_back(run.pk, owner, reason="dependency_unavailable", error=lost)
    assert execute_run(run.pk) == "succeeded"
    assert Run.objects.get(pk=run.pk).attempts == 5


def test_hand_back_of_a_run_we_no_longer_hold_does_nothing(project):
    run = _run(project)
    assert leases.claim(run.pk, "w/1", "w")
    assert not leases.hand_back(run.pk, "someone-else/2", reason="dependency_unavailable")
    assert Run.objects.get(pk=run.pk).status == "running"


def test_only_a_one_recovery_pass_runs_at_a_time():
    with recovery.exclusive() as first:
        other = psycopg.connect(**{k: v for k, v in connection.get_connection_params().items()
                                   if k in ("dbname", "user", "host", "port", "password")}, autocommit=True)
        try:
            held_elsewhere = not other.execute("SELECT pg_try_advisory_lock(%s)", (recovery.LOCK_KEY,)).fetchone()[0]
        finally:
            other.close()
    assert first and held_elsewhere


def test_outage_errors_are_told_apart_from_query_errors():
    with pytest.raises(psycopg.OperationalError) as refused:
        psycopg.connect("host=/nonexistent-socket-dir dbname=x connect_timeout=1")
    assert is_dependency_outage(refused.value)
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 1")
        try:
            with pytest.raises(Exception) as cancelled:
                cursor.execute("SELECT pg_sleep(1)")
        finally:
            cursor.execute("RESET statement_timeout")
    assert not is_dependency_outage(cancelled.value)  # the query's own doing, not an outage
    import redis

    with pytest.raises(redis.ConnectionError) as redis_down:
        redis.Redis(unix_socket_path="/nonexistent/redis.sock").ping()
    assert is_dependency_outage(redis_down.value)


def test_a_tools_refused_connection_is_not_an_outage():
    import socket

    import httpx

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(httpx.ConnectError) as refused:
        httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
    assert not is_dependency_outage(refused.value)
