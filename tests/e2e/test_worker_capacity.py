"""`make up`'s default worker capacity: one slow run does not hold up the next one.

The workers run under the same supervisor and default worker count that `make up` uses.
"""
from __future__ import annotations

import sys
import uuid

import httpx
import pytest

from accounts import services
from agent_platform import serve
from runs.models import Event, Run
from tests.e2e.servers import Process, child_env, start_server, wait_until
from tests.runs.factories import scripted_agent

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def default_stack(django_db_setup, tmp_path):
    server, base = start_server(tmp_path)
    pids = tmp_path / "pids"
    supervisor = Process([sys.executable, "-m", "runs.supervisor", "--workers", str(serve.WORKERS),
                          "--log-dir", str(tmp_path), "--pid-dir", str(pids)], child_env(), tmp_path / "supervisor.log")
    try:
        yield base
    finally:
        supervisor.stop()
        server.stop()


def _started(run_id: str) -> Run | None:
    return Run.objects.filter(pk=run_id, started_at__isnull=False).first()


def test_a_run_queued_behind_a_slow_one_starts_within_a_second(default_stack):
    assert serve.WORKERS >= 2
    project = services.create_project(slug=f"cap-{uuid.uuid4().hex[:6]}")
    _, key = services.create_api_key(project=project, name="cap", role="owner")
    scripted_agent(project, name="slow", script=[{"delay": 20, "text": "late"}])
    scripted_agent(project, name="quick", script=[{"text": "done"}])
    with httpx.Client(base_url=default_stack, headers={"Authorization": f"Bearer {key}"}, timeout=30) as http:
        # Both workers are up once each has started a run; the first proves one worker is busy.
        slow = http.post("/api/v1/runs", json={"agent": "slow", "input": {"message": "x"}}).json()["id"]
        wait_until(lambda: _started(slow), timeout_s=60, what="the slow run to start")
        warmup = http.post("/api/v1/runs", json={"agent": "quick", "input": {"message": "x"}}).json()["id"]
        wait_until(lambda: Run.objects.filter(pk=warmup, status="succeeded").exists(), timeout_s=60,
                   what="the second worker to take a run")
        quick = http.post("/api/v1/runs", json={"agent": "quick", "input": {"message": "y"}}).json()["id"]
        run = wait_until(lambda: _started(quick), timeout_s=10, what="the quick run to start")
    assert (run.started_at - run.created_at).total_seconds() < 1.0
    assert Run.objects.get(pk=slow).status == "running"  # still held by the other worker
    assert Event.objects.filter(run_id=quick, type="run.started").count() == 1
