"""`/metrics`: refused without the scrape token; parses with prometheus_client's parser; its
counters and histograms move by the expected amounts after scripted runs; queue gauges live."""
from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from runs.executor import execute_run
from tests.conftest import client_for, make_key
from tests.runs.factories import scripted_agent

pytestmark = pytest.mark.django_db(transaction=True)
TOKEN = "scrape-token-for-tests"
KV_SET = {"name": "kv", "arguments": {"op": "set", "key": "k", "value": "{message}"}}
KV_BAD = {"name": "kv", "arguments": {"op": "explode"}}


@pytest.fixture
def token(settings):
    settings.PLATFORM_METRICS_TOKEN = TOKEN
    return TOKEN


def scrape(client, token: str = TOKEN) -> dict[tuple, float]:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict, name: str, **labels) -> float:
    """The sum of the samples named `name` whose labels include `labels`."""
    wanted = {k: str(v) for k, v in labels.items()}
    return sum(v for (n, ls), v in samples.items() if n == name and wanted.items() <= dict(ls).items())


def test_scrapes_without_the_right_token_are_refused(client, settings):
    settings.PLATFORM_METRICS_TOKEN = ""
    off = client.get("/metrics")
    assert off.status_code == 403 and off["Content-Type"] == "application/problem+json"
    assert "PLATFORM_METRICS_TOKEN" in off.json()["detail"]
    settings.PLATFORM_METRICS_TOKEN = TOKEN
    for header in ({}, {"HTTP_AUTHORIZATION": "Bearer wrong"}, {"HTTP_AUTHORIZATION": f"Basic {TOKEN}"},
                   {"HTTP_AUTHORIZATION": "Bearer "}):
        refused = client.get("/metrics", **header)
        assert refused.status_code == 401, header
        assert refused["WWW-Authenticate"].startswith("Bearer")
        assert b"platform_runs" not in refused.content
    assert client.post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 405


def test_counters_and_histograms_move_by_the_runs_executed(client, token, project):
    project.settings = {"prices": {"scripted/helper": {"input": 1000, "output": 2000}}}  # per 1M tokens
    project.save(update_fields=["settings"])
    scripted_agent(project, name="helper", tools=["kv"], script=[
        {"tool_calls": [KV_SET, KV_BAD], "usage": {"input_tokens": 3, "output_tokens": 2}},
        {"text": "done", "usage": {"input_tokens": 5, "output_tokens": 1}}])
    scripted_agent(project, name="broken", script=[{"error": "model_auth_error", "message": "bad key"}],
                   limits={"max_steps": 2})
    api = client_for(make_key(project, "developer"))
    context = {"project": project.slug, "target_kind": "agent"}
    before = scrape(client)

    helper_runs = [api.post("/api/v1/runs", {"agent": "helper", "input": {"message": f"m{i}"}}, format="json").json()["id"]
                   for i in range(2)]
    broken = api.post("/api/v1/runs", {"agent": "broken", "input": {"message": "x"}}, format="json").json()["id"]
    queued = scrape(client)
    assert value(queued, "platform_runs_in_progress", project=project.slug, status="queued") == 3
    assert value(queued, "platform_runs_oldest_queued_age_seconds", project=project.slug) >= 0
    assert value(queued, "platform_queue_depth", queue="runs") >= 3

    assert [execute_run(run_id) for run_id in helper_runs] == ["succeeded", "succeeded"]
    assert execute_run(broken) == "failed"
    after = scrape(client)

    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    helper = {**context, "target": "helper", "version": "1"}
    assert moved("platform_runs_started_total", **helper) == 2
    assert moved("platform_runs_started_total", **context, target="broken") == 1
    assert moved("platform_runs_finished_total", **helper, status="succeeded", model="scripted/helper") == 2
    assert moved("platform_runs_finished_total", **context, target="broken", status="failed") == 1
    assert moved("platform_run_duration_seconds_count", **helper, status="succeeded") == 2
    assert moved("platform_run_duration_seconds_bucket", **helper, status="succeeded", le="+Inf") == 2
    assert moved("platform_run_duration_seconds_sum", **helper, status="succeeded") > 0
    # Two model calls per helper run: 8 input and 3 output tokens per run; $0.001/$0.002 per token.
    gen_ai = {**helper, "gen_ai_provider_name": "scripted", "gen_ai_request_model": "helper"}
    assert moved("gen_ai_client_operation_duration_seconds_count", **gen_ai, error_type="") == 4
    assert moved("gen_ai_client_token_usage_sum", **gen_ai, gen_ai_token_type="input") == 16
    assert moved("gen_ai_client_token_usage_sum", **gen_ai, gen_ai_token_type="output") == 6
    assert moved("gen_ai_client_token_usage_count", **gen_ai, gen_ai_token_type="input") == 4
    assert moved("gen_ai_client_operation_duration_seconds_count", **context, target="broken",
                 error_type="model_auth_error") >= 1
    assert moved("platform_cost_usd_total", **helper, model="scripted/helper") == pytest.approx(2 * (8 * 0.001 + 3 * 0.002))
    # Each helper run: one good kv call, one refused.
    assert moved("platform_tool_call_duration_seconds_count", **helper, tool="kv", status="ok") == 2
    assert moved("platform_tool_call_duration_seconds_count", **helper, tool="kv", status="error") == 2
    assert moved("platform_tool_call_errors_total", **helper, tool="kv") == 2
    assert value(after, "platform_runs_in_progress", project=project.slug, status="queued") == 0
    assert value(after, "platform_metrics_source_up", source="postgres") == 1
    assert value(after, "platform_metrics_source_up", source="redis") == 1


def test_label_values_are_bounded_per_family(settings):
    from agent_platform.metrics import labels

    settings.PLATFORM_METRICS_MAX_SERIES = 2
    family = "test_bounded_family"
    first = labels.bounded(family, {"project": "p", "target": "a", "tool": "t1"})
    labels.bounded(family, {"project": "p", "target": "b", "tool": "t1"})
    third = labels.bounded(family, {"project": "p", "target": "c", "tool": "t2"})
    assert first["target"] == "a"
    assert third == {"project": "p", "target": "_other", "tool": "_other"}
    assert labels.bounded(family, {"project": "p", "target": "a", "tool": "t1"}) == first  # known series stay


def test_retrieval_spans_are_timed_per_knowledge_base(client, token, project):
    from runs.models import Run
    from runs.store import RunStore
    from runtime.events import traced

    agent, version = scripted_agent(project, name="reader")
    run = Run.objects.create(project=project, kind="agent", agent=agent, agent_version=version, environment="prod")
    labels = {"project": project.slug, "target": "reader", "version": "1", "environment": "prod",
              "knowledge_base": "handbook"}
    before = scrape(client)
    store = RunStore(run.pk)
    with traced(store, "retrieval", "retrieval handbook", attributes={"knowledge_base": "handbook"}):
        pass
    with pytest.raises(TimeoutError), traced(store, "retrieval", "retrieval handbook",
                                            attributes={"knowledge_base": "handbook"}):
        raise TimeoutError("index busy")
    after = scrape(client)
    name = "platform_retrieval_duration_seconds_count"
    assert value(after, name, **labels, status="ok") - value(before, name, **labels, status="ok") == 1
    assert value(after, name, **labels, status="error") - value(before, name, **labels, status="error") == 1
