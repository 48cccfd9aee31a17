"""The eval runner's runs are created *held* (its hold lease stored with the run) and without a
`runs` job: no worker can take one while the hold lives, and when the coordinator dies the hold
expires and the runs recovery sweep enqueues it like any queued run without a job (real
PostgreSQL and Redis)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from runs import queue, recovery
from runs.executor import execute_run
from runs.models import Run
from runs.services import create_run
from tests.runs.factories import scripted_agent
from tests.runs.test_failure_handling import _age, _forget_other_jobs

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_held_run_has_no_job_and_is_executed_only_once_its_hold_expired(project):
    _forget_other_jobs()
    agent, version = scripted_agent(project, script=[{"echo": True}])
    scripted_agent(project, name="other")  # `pinned` is used as given: no lookup by name or latest version
    run = create_run(project=project, agent="helper", version=version.number, input={"message": "hi"},
                     pinned=(agent, version), held_by=("eval-1/hold", timezone.now() + timedelta(seconds=60)),
                     enqueue=False)
    stored = Run.objects.get(pk=run.pk)
    assert (stored.status, stored.lease_owner, stored.agent_version_id) == ("queued", "eval-1/hold", version.pk)
    assert queue.runs_with_live_jobs() == set()  # no job: the holder executes it
    assert execute_run(run.pk, worker_name="another") is None  # the hold is a live lease: not claimable
    assert Run.objects.get(pk=run.pk).status == "queued"

    _age(run, 60)  # the holder died long ago, but its hold has not expired yet
    assert recovery.sweep_queued(after_s=30) == [run.pk]  # no job: enqueued (its job will find it held)
    assert execute_run(run.pk, worker_name="another") is None
    with connection.cursor() as cursor:
        cursor.execute("UPDATE runs_run SET lease_expires_at = now() - interval '1 second' WHERE id = %s", [run.pk])
    assert execute_run(run.pk, worker_name="another") == "succeeded"
    done = Run.objects.get(pk=run.pk)
    assert (done.status, done.output, done.lease_owner) == ("succeeded", {"text": "hi"}, "")


def test_the_holder_executes_its_held_run_in_the_claim_itself_and_nobody_else_can(project):
    from runs.models import Event

    agent, version = scripted_agent(project, script=[{"echo": True}])
    run = create_run(project=project, agent="helper", input={"message": "hi"}, pinned=(agent, version),
                     held_by=("eval-2/hold", timezone.now() + timedelta(seconds=60)), enqueue=False)
    assert execute_run(run.pk, worker_name="another", hold="eval-9/hold") is None  # someone else's hold
    assert Run.objects.get(pk=run.pk).status == "queued"
    assert execute_run(run.pk, worker_name="coordinator", hold="eval-2/hold") == "succeeded"
    stored = Run.objects.get(pk=run.pk)
    assert (stored.status, stored.lease_owner, stored.attempts) == ("succeeded", "", 1)
    started = Event.objects.get(run_id=run.pk, type="run.started")
    assert started.data["worker"] == "coordinator"
    assert execute_run(run.pk, worker_name="coordinator", hold="eval-2/hold") is None  # ended: not runnable again
