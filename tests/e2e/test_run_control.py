"""Cancel and timeout on the real server and worker: the right terminal event, promptly."""
from __future__ import annotations

import time

import pytest

from runs.models import Event, Run
from tests.e2e.servers import wait_until
from tests.runs.factories import scripted_agent

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def wait_for_event(run_id: str, type: str) -> Event:
    return wait_until(lambda: Event.objects.filter(run_id=run_id, type=type).first(), timeout_s=30,
                      what=f"{type} of {run_id}")


def wait_terminal(run_id: str) -> Run:
    return wait_until(lambda: Run.objects.filter(pk=run_id, finished_at__isnull=False).first(), timeout_s=30,
                      what=f"{run_id} to finish")


def test_cancel_stops_a_running_run_promptly(http, e2e_project):
    scripted_agent(e2e_project, name="slow", script=[{"delay": 30, "text": "too late"}])
    run_id = http.post("/api/v1/runs", json={"agent": "slow", "input": {"message": "x"}}).json()["id"]
    wait_for_event(run_id, "run.started")
    asked = time.monotonic()
    response = http.post(f"/api/v1/runs/{run_id}/cancel")
    assert response.status_code == 202
    run = wait_terminal(run_id)
    assert time.monotonic() - asked < 5
    assert run.status == "cancelled" and run.output is None
    types = list(Event.objects.filter(run_id=run_id).values_list("type", flat=True))
    assert types.count("run.cancelled") == 1 and "run.succeeded" not in types
    assert http.post(f"/api/v1/runs/{run_id}/cancel").status_code == 409


def test_timeout_ends_the_run_with_timed_out(http, e2e_project):
    scripted_agent(e2e_project, name="sleepy", script=[{"delay": 30, "text": "too late"}],
                   limits={"timeout_s": 1, "call_timeout_s": 60})
    started = time.monotonic()
    run_id = http.post("/api/v1/runs", json={"agent": "sleepy", "input": {"message": "x"}}).json()["id"]
    run = wait_terminal(run_id)
    assert run.status == "timed_out" and run.error["type"] == "timed_out"
    assert time.monotonic() - started < 6
    types = list(Event.objects.filter(run_id=run_id).values_list("type", flat=True))
    assert types[-1] == "run.timed_out" and types.count("run.timed_out") == 1
