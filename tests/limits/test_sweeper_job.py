"""The limits sweeper is a scheduled job: the registry lists it, and a scheduler tick of it frees
the slot of a run that ended without settling (a worker killed in between) while a live run
keeps its own."""
from __future__ import annotations

import uuid

import pytest

from agent_platform.redis_client import redis_client
from agent_platform.scheduler.jobs import JOBS
from agent_platform.scheduler.runner import Scheduler, job_status
from limits import counters
from runs.models import Run
from tests.conftest import client_for, make_key
from tests.limits.helpers import set_limits
from tests.runs.factories import scripted_agent

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_registry_runs_the_limits_sweeper_every_minute():
    [job] = [job for job in JOBS if job.name == "limits_sweep"]
    assert job.interval_s == 60 and job.path == "limits.jobs.sweep_limits"


def test_a_scheduler_tick_of_the_sweeper_frees_what_no_settlement_freed(project):
    scripted_agent(project)
    set_limits(project, concurrent_runs=2)
    api = client_for(make_key(project, "developer"))
    ended, live = (api.post("/api/v1/runs", {"agent": "helper", "input": {"message": m}}, format="json").json()["id"]
                   for m in ("a", "b"))
    Run.objects.filter(pk=ended).update(status="failed")  # ended, but no settlement ran
    slots = counters.slots_key(f"p:{project.pk}")
    assert {m.decode() for m in redis_client().zrange(slots, 0, -1)} == {ended, live}

    prefix = f"limits-sweep-test-{uuid.uuid4().hex[:8]}"
    jobs = [job for job in JOBS if job.name == "limits_sweep"]
    scheduler = Scheduler(client=redis_client(), jobs=jobs, prefix=prefix, owner="t")
    try:
        base = 1_800_000_000 // 60 * 60
        assert scheduler.step(base) == [("limits_sweep", base // 60)]
        assert scheduler.wait_idle(30)
        status = job_status(redis_client(), prefix)["limits_sweep"]
        assert status["ok"] is True, status
    finally:
        for key in redis_client().scan_iter(f"{prefix}*"):
            redis_client().delete(key)
    assert {m.decode() for m in redis_client().zrange(slots, 0, -1)} == {live}
    assert not redis_client().exists(counters.run_record(ended))  # settled: its reservation returned
