"""A worker told to stop (SIGTERM, as Kubernetes does on a deploy or a scale-down) mid-run: after
its drain period it hands the run back at the run's next step and exits; another worker resumes
the run from its checkpoint. No side effect happens twice, no event is lost or repeated, and the
hand-back does not count as a failed attempt."""
from __future__ import annotations

import os
import signal
import uuid

import pytest

from accounts import services as account_services
from runs import services as run_services
from runs.models import Event, Run
from tests.e2e.http_fixtures import SideEffectServer
from tests.e2e.servers import start_worker, wait_until
from tests.runs.factories import scripted_agent

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_stopping_worker_hands_its_run_over_without_repeating_a_side_effect(django_db_setup, tmp_path):
    project = account_services.create_project(slug=f"drain-{uuid.uuid4().hex[:6]}")
    project.http_allowlist = ["127.0.0.1"]
    project.save(update_fields=["http_allowlist"])
    with SideEffectServer() as target:
        scripted_agent(project, name="drained", tools=["http"], script=[
            {"tool_calls": [{"name": "http", "arguments": {"method": "GET", "url": f"{target.url}/effect"}}]},
            {"tool_calls": [{"name": "http", "arguments": {"method": "GET", "url": f"{target.url}/block"}}]},
            {"tool_calls": [{"name": "http", "arguments": {"method": "GET", "url": f"{target.url}/effect?2"}}]},
            {"text": "done"},
        ])
        first = start_worker(tmp_path, "draining", PLATFORM_WORKER_DRAIN_S="0.2")
        try:
            run = run_services.create_run(project=project, agent="drained", input={"message": "go"})
            assert target.blocked.wait(60), "the worker never reached the second tool call"
            os.killpg(first.pid, signal.SIGTERM)  # one SIGTERM, as the kubelet sends
            wait_until(lambda: "handing back 1 run" in first.log.read_text(), timeout_s=30,
                       what="the drain period to end")
            target.release.set()  # the call in flight completes; the run stops at its next step
            handed = wait_until(lambda: Run.objects.filter(pk=run.pk, status="queued").first(), timeout_s=30,
                                what="the run to be handed back")
            assert first.proc.wait(timeout=30) == 0  # the worker exits on its own, cleanly
        finally:
            first.stop()
        assert handed.lease_owner == ""
        requeued = Event.objects.get(run=run, type="run.requeued")
        assert requeued.data["reason"] == "worker_stopping"
        second = start_worker(tmp_path, "successor")
        try:
            finished = wait_until(lambda: Run.objects.filter(pk=run.pk, status="succeeded").first(),
                                  timeout_s=60, what="the successor to finish the run")
        finally:
            second.stop()
    assert finished.output == {"text": "done"}
    assert (target.effects, target.blocks) == (2, 1)  # every call once: none repeated by the successor
    events = list(Event.objects.filter(run=run).order_by("seq"))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    types = [e.type for e in events]
    assert types.count("run.succeeded") == 1 and types.count("run.started") == 1
    urls = [e.data.get("input", {}).get("url") for e in events if e.type == "tool.started"]
    assert len(urls) == len(set(urls)) == 3
