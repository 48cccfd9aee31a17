"""Each metric, absence rules, no data, target filters, and the evaluator's idempotency under a race."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connections

from alerts import services
from alerts.evaluation import evaluate_all, evaluate_rule
from alerts.metrics import METRICS
from alerts.models import AlertEvent, AlertRule
from tests.alerts.conftest import add_runs, minute

pytestmark = pytest.mark.django_db(transaction=True)


def rule(project, **data) -> AlertRule:
    return services.create_rule(project=project, data={"name": data.pop("name", "r"), **data})


def measure(r: AlertRule, now):
    return METRICS[r.metric].measure(r, start=now - timedelta(seconds=r.window_s), end=now)


def test_absence_rule_fires_when_no_runs_arrive_and_resolves_when_one_does(project):
    quiet = rule(project, metric="run_count", comparison="lt", threshold=1, window_s=600)
    t0 = minute()
    add_runs(project, t0 - timedelta(minutes=11), ["succeeded"])  # before the window
    [fired] = evaluate_all(now=t0)
    assert fired.state == "firing" and fired.value == 0
    add_runs(project, t0 + timedelta(seconds=30), ["queued"])  # a run arrives (still queued counts)
    [resolved] = evaluate_all(now=t0 + timedelta(minutes=1))
    assert resolved.state == "resolved" and resolved.value == 1
    quiet.refresh_from_db()
    assert quiet.state == "ok"


def test_no_finished_runs_is_no_data_which_neither_fires_nor_resolves(project):
    r = rule(project, metric="error_rate", threshold=0.1)
    t0 = minute()
    add_runs(project, t0 - timedelta(minutes=1), ["running", "queued"])
    assert evaluate_all(now=t0) == []
    r.refresh_from_db()
    assert r.state == "ok" and r.last_value is None and r.last_evaluated_at == t0


def test_p95_latency_cost_and_queue_age(project):
    t0 = minute()
    for seconds in range(1, 21):  # 20 runs taking 1..20 s
        add_runs(project, t0 - timedelta(minutes=2), ["succeeded"], duration_s=seconds, cost_usd=0.01)
    add_runs(project, t0 - timedelta(minutes=10), ["succeeded"], duration_s=500, cost_usd=5)  # outside the window
    add_runs(project, t0 - timedelta(seconds=90), ["queued"])
    latency = rule(project, metric="p95_latency_ms", threshold=10_000)
    assert measure(latency, t0) == pytest.approx(19_050, rel=1e-6)  # percentile_cont over 1..20 s
    cost = rule(project, metric="cost_usd", threshold=0.1)
    assert measure(cost, t0) == pytest.approx(0.20)
    age = rule(project, metric="queue_age_s", threshold=60)
    assert measure(age, t0) == pytest.approx(90)
    assert {e.rule_id for e in evaluate_all(now=t0)} == {latency.pk, cost.pk, age.pk}


def test_eval_pass_rate(project):
    from evals.models import EvalRun
    from tests.evals.helpers import create_dataset

    dataset = create_dataset(project, "golden", [{"input": {"message": "hi"}, "expected": "hi"}])
    version = dataset.versions.get()
    t0 = minute()
    for passed in (True, False, False, None):  # None: no thresholds / not finished
        EvalRun.objects.create(project=project, dataset=dataset, dataset_version=version, kind="agent",
                               status="succeeded", passed=passed, created_at=t0 - timedelta(minutes=30))
    r = rule(project, metric="eval_pass_rate", comparison="lt", threshold=0.5, window_s=3600)
    [event] = evaluate_all(now=t0)
    assert event.rule_id == r.pk and event.state == "firing" and event.value == pytest.approx(1 / 3)


def test_target_filter_counts_only_that_agents_runs(project):
    from tests.runs.factories import scripted_agent

    agent, _ = scripted_agent(project, "billing", [{"text": "x"}])
    t0 = minute()
    add_runs(project, t0 - timedelta(minutes=1), ["failed"] * 5)  # other runs of the project
    add_runs(project, t0 - timedelta(minutes=1), ["succeeded"] * 2, agent=agent)
    r = rule(project, metric="error_rate", threshold=0.5, agent="billing")
    assert r.agent_id == agent.pk
    assert measure(r, t0) == 0
    assert evaluate_all(now=t0) == []


def test_a_rule_that_cannot_be_evaluated_does_not_stop_the_others(project, caplog):
    broken = rule(project, metric="run_count", comparison="lt", threshold=1)
    AlertRule.objects.filter(pk=broken.pk).update(metric="gone")  # a metric removed from the registry
    working = rule(project, metric="run_count", comparison="lt", threshold=1)
    events = evaluate_all(now=minute())
    assert [e.rule_id for e in events] == [working.pk]
    assert f"alert rule {broken.pk} could not be evaluated" in caplog.text


def test_disabled_rules_are_not_evaluated(project):
    r = rule(project, metric="run_count", comparison="lt", threshold=1, enabled=False)
    assert evaluate_all(now=minute()) == []
    r.refresh_from_db()
    assert r.last_evaluated_at is None


def test_two_evaluators_of_the_same_tick_make_one_event(project):
    r = rule(project, metric="run_count", comparison="lt", threshold=1)
    now = minute()
    barrier = threading.Barrier(4)
    results = []

    def evaluate() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(evaluate_rule(r.pk, now=now))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=evaluate) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == 4 and len([e for e in results if e is not None]) == 1
    assert AlertEvent.objects.filter(rule=r).count() == 1
    assert evaluate_rule(r.pk, now=now - timedelta(minutes=1)) is None  # an older tick, after a newer one
