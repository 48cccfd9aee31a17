"""Scaling on one machine, reduced size (the full size is `bench/scale.py`): two API processes behind
a load balancer (HAProxy) and separate worker processes on one PostgreSQL and Redis, runs created
by a real load generator (wrk). One worker receives SIGTERM mid-load, as in a scale-down, and a
replacement starts. Every created run succeeds, and each run's side effect (a call to a local
server carrying the run's own token) happens exactly once: no run executed twice, none lost."""
from __future__ import annotations

import os
import signal
import threading
import uuid

import pytest

from accounts import services as account_services
from bench.load_tools import AGENT, EffectCounter, LoadBalancer, agent_script, audit, create_runs_with_wrk
from runs.models import Run
from tests.e2e.servers import start_server, start_worker, wait_until
from tests.runs.factories import scripted_agent

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

RUNS = 200
TERMINAL = ("succeeded", "failed", "cancelled", "timed_out")


def test_runs_spread_over_api_and_worker_processes_are_each_executed_once(django_db_setup, tmp_path):
    project = account_services.create_project(slug=f"scale-{uuid.uuid4().hex[:6]}")
    project.http_allowlist = ["127.0.0.1"]
    project.save(update_fields=["http_allowlist"])
    _, key = account_services.create_api_key(project=project, name="load", role="owner")
    processes = []
    with EffectCounter() as counter:
        scripted_agent(project, name=AGENT, tools=["http"], script=agent_script(counter.url))
        try:
            for _ in range(2):
                server, base = start_server(tmp_path)
                processes.append((server, base))
            balancer = LoadBalancer([base for _, base in processes], tmp_path)
            balancer.wait_ready()
            workers = [start_worker(tmp_path, f"scale-{i}", PLATFORM_WORKER_DRAIN_S="0.5") for i in range(2)]
            outcome: dict = {}
            load = threading.Thread(target=lambda: outcome.update(result=create_runs_with_wrk(
                balancer.url, key, runs=RUNS, threads=2, connections=8, max_s=90)))
            load.start()
            wait_until(lambda: Run.objects.filter(project=project, status="succeeded").count() >= RUNS // 4,
                       timeout_s=90, what="a quarter of the runs to finish")
            os.killpg(workers[0].pid, signal.SIGTERM)  # a scale-down, mid-load
            workers.append(start_worker(tmp_path, "scale-replacement"))
            load.join(timeout=150)
            assert not load.is_alive(), "wrk did not finish"
            result = outcome["result"]
            wait_until(lambda: not Run.objects.filter(project=project).exclude(status__in=TERMINAL).exists(),
                       timeout_s=120, what="every created run to end")
            assert workers[0].proc.wait(timeout=30) == 0  # the stopped worker left cleanly
        finally:
            for worker in locals().get("workers", []):
                worker.stop()
            if "balancer" in locals():
                balancer.stop()
            for server, _ in processes:
                server.stop()
        runs = [(status, run_input["message"]) for status, run_input in
                Run.objects.filter(project=project).values_list("status", "input")]
        report = audit(runs, counter.snapshot())
    print(f"\nscaling (reduced): {len(runs)} runs, 2 API processes, 2+1 workers: p50 create "
          f"{result.p50_ms:.1f} ms, p95 {result.p95_ms:.1f} ms, errors {result.error_rate:.2%}")
    assert result.created >= RUNS - 1 and result.error_rate == 0
    assert result.created <= len(runs) <= result.sent  # every 201 is a run; nothing beyond what was sent
    assert report.succeeded == report.runs
    assert report.executed_twice == [] and report.never_executed == [] and report.unknown_effects == []
