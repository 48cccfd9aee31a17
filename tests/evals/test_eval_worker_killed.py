"""An eval survives the death of the worker coordinating it: another worker resumes it, and
every item x repeat is run once."""
from __future__ import annotations

import uuid

from evals.models import EvalResult, EvalRun
from runs.models import Run
from tests.e2e.servers import start_worker, wait_until
from tests.evals.helpers import create_agent, create_dataset, items_of, start_eval, wait_for_eval


def test_eval_completes_after_its_worker_is_killed(stack, http, e2e_project):
    _, worker, logs = stack
    create_agent(e2e_project, "slow", [{"delay": 0.4, "echo": True}])
    create_dataset(e2e_project, "many", [{"id": f"i{n}", "input": f"q{n}", "expected": f"q{n}"} for n in range(12)])
    started = start_eval(http, dataset="many", target={"agent": "slow"}, metrics=[{"type": "exact"}], concurrency=2)
    wait_until(lambda: EvalRun.objects.get(pk=started["id"]).completed >= 3, timeout_s=120,
               what="the eval to be under way")
    worker.kill()  # SIGKILL, mid-eval, with runs in flight
    assert EvalRun.objects.get(pk=started["id"]).status == "running"
    replacement = start_worker(logs, f"w-{uuid.uuid4().hex[:6]}", PLATFORM_RUN_LEASE_S="2")
    try:
        done = wait_for_eval(http, started["id"], timeout_s=180)
    finally:
        replacement.stop()
    assert done["status"] == "succeeded", done
    assert done["summary"]["exact"]["pass_rate"] == 1.0
    assert EvalRun.objects.get(pk=started["id"]).attempts == 2
    rows = items_of(http, started["id"])
    assert sorted(r["item_id"] for r in rows) == sorted(f"i{n}" for n in range(12))
    assert EvalResult.objects.filter(eval_id=started["id"]).count() == 12
    runs = Run.objects.filter(metadata__eval=started["id"])
    assert runs.count() == 12  # each item ran once (runs in flight were resumed, not started again)
    assert {r["run_id"] for r in rows} == set(runs.values_list("id", flat=True))
    assert all(status == "succeeded" for status in runs.values_list("status", flat=True))
