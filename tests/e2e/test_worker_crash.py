"""A worker killed with SIGKILL mid-run: another worker finishes the run from its last
checkpoint; the completed tool call's side effect happens exactly once; no duplicate events."""
from __future__ import annotations

import uuid

import pytest

from accounts import services as account_services
from runs import services as run_services
from runs.models import Event, Run
from tests.e2e.http_fixtures import SideEffectServer
from tests.e2e.servers import start_worker, wait_until
from tests.runs.factories import scripted_agent

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_run_survives_its_worker_being_killed(django_db_setup, tmp_path):
    project = account_services.create_project(slug=f"crash-{uuid.uuid4().hex[:6]}")
    project.http_allowlist = ["127.0.0.1"]
    project.save(update_fields=["http_allowlist"])
    with SideEffectServer() as target:
        scripted_agent(project, name="crashy", tools=["http"], script=[
            {"tool_calls": [{"name": "http", "arguments": {"method": "GET", "url": f"{target.url}/effect"}}]},
            {"tool_calls": [{"name": "http", "arguments": {"method": "GET", "url": f"{target.url}/block"}}]},
            {"text": "done"},
        ])
        first = start_worker(tmp_path, "doomed", PLATFORM_RUN_LEASE_S="2")
        try:
            run = run_services.create_run(project=project, agent="crashy", input={"message": "go"})
            assert target.blocked.wait(60), "the worker never reached the second tool call"
            assert target.effects == 1
            first.kill()  # SIGKILL, mid tool call
        finally:
            first.stop()
        second = start_worker(tmp_path, "rescuer", PLATFORM_RUN_LEASE_S="2")
        try:
            finished = wait_until(lambda: Run.objects.filter(pk=run.pk, status="succeeded").first(),
                                  timeout_s=60, what="the rescuer to finish the run")
        finally:
            second.stop()
    assert finished.output == {"text": "done"}
    assert finished.attempts == 2
    assert target.effects == 1  # the completed call was not repeated
    events = list(Event.objects.filter(run=run).order_by("seq"))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    types = [e.type for e in events]
    assert types.count("run.succeeded") == 1 and types.count("run.started") == 1
    started_calls = [e.data.get("input", {}).get("url") for e in events if e.type == "tool.started"]
    assert len(started_calls) == len(set(started_calls)) == 2  # no tool.started delivered twice
