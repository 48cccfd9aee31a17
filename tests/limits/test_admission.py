"""Admission at create_run: concurrency slots and budget reservations, settled when runs end."""
import pytest

from accounts.models import ApiKey
from limits.sweeper import reconcile_scope
from runs.executor import execute_run
from runs.models import CANCELLED, Run
from tests.conftest import client_for, make_key
from tests.limits.helpers import problem_type, seconds_to_midnight, set_limits
from tests.runs.factories import scripted_agent

pytestmark = pytest.mark.django_db(transaction=True)


def create(api, message="hi"):
    return api.post("/api/v1/runs", {"agent": "helper", "input": {"message": message}}, format="json")


def test_concurrent_runs_refused_past_the_limit_and_freed_when_a_run_ends(project):
    scripted_agent(project)
    set_limits(project, concurrent_runs=2)
    api = client_for(make_key(project, "developer"))
    first, second = create(api), create(api)
    assert first.status_code == second.status_code == 201
    refused = create(api)
    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/problem+json"
    assert problem_type(refused) == "rate_limited"
    assert refused.json()["errors"] == {"limits.concurrent_runs": [refused.json()["detail"]]}
    assert refused["Retry-After"] == "1"
    assert Run.objects.filter(project=project).count() == 2  # nothing stored for the refused one

    assert execute_run(first.json()["id"]) == "succeeded"  # settles: its slot is free again
    assert create(api).status_code == 201
    assert create(api).status_code == 429


def test_cancelling_a_queued_run_frees_its_slot(project):
    scripted_agent(project)
    set_limits(project, concurrent_runs=1)
    api = client_for(make_key(project, "developer"))
    run_id = create(api).json()["id"]
    assert create(api).status_code == 429
    assert api.post(f"/api/v1/runs/{run_id}/cancel").json()["status"] == CANCELLED
    assert create(api).status_code == 201


def test_a_slot_left_by_a_run_that_ended_without_settling_is_recovered(project):
    """A worker killed between finishing a run and settling it: the slot is found and freed."""
    scripted_agent(project)
    set_limits(project, concurrent_runs=1)
    api = client_for(make_key(project, "developer"))
    run_id = create(api).json()["id"]
    Run.objects.filter(pk=run_id).update(status="failed")  # ended, but no settlement ran
    assert create(api).status_code == 201  # the refusal reconciled the slot with the database
    assert reconcile_scope(f"p:{project.pk}") == 0  # the live run keeps its slot


def test_a_run_that_crosses_the_daily_token_budget_stops_and_the_next_is_refused(project):
    scripted_agent(project, tools=["kv"], script=[
        {"tool_calls": [{"name": "kv", "arguments": {"op": "set", "key": "k", "value": "v"}}],
         "usage": {"input_tokens": 10, "output_tokens": 200}},
        {"text": "done"}])
    set_limits(project, tokens_per_day=100)
    api = client_for(make_key(project, "developer"))
    run_id = create(api).json()["id"]
    assert execute_run(run_id) == "failed"
    run = Run.objects.get(pk=run_id)
    assert run.error["type"] == "budget_exceeded"
    assert run.error["details"]["budget"] == "tokens_per_day" and run.error["details"]["used"] == 210
    assert not run.events.filter(type="tool.started").exists()  # stopped before acting on the answer

    refused = create(api)
    assert refused.status_code == 429 and problem_type(refused) == "budget_exceeded"
    assert "limits.tokens_per_day" in refused.json()["errors"]
    assert abs(int(refused["Retry-After"]) - seconds_to_midnight()) <= 1  # the day's budget is spent

    usage = api.get("/api/v1/usage").json()["project"]["tokens_per_day"]
    assert usage["used"] == 210 and usage["limit"] == 100 and usage["remaining"] == 0


def test_a_run_whose_next_call_would_cross_the_budget_stops_before_calling(project):
    scripted_agent(project, script=[{"text": "x", "usage": {"input_tokens": 50, "output_tokens": 45}}])
    set_limits(project, tokens_per_day=100, run_token_estimate=0)  # admission reserves nothing
    api = client_for(make_key(project, "developer"))
    assert execute_run(create(api).json()["id"]) == "succeeded"  # 95 of 100 used
    second = create(api)
    assert second.status_code == 201  # 95 < 100: admitted
    assert execute_run(second.json()["id"]) == "failed"
    run = Run.objects.get(pk=second.json()["id"])
    assert run.error["type"] == "budget_exceeded"
    assert not run.events.filter(type="model.completed").exists()


def test_reservations_count_runs_in_flight(project):
    scripted_agent(project)
    set_limits(project, tokens_per_day=1000, run_token_estimate=400)
    api = client_for(make_key(project, "developer"))
    first, second = create(api), create(api)
    assert first.status_code == second.status_code == 201
    refused = create(api)  # 800 reserved + 400 > 1000, though nothing is used yet
    assert refused.status_code == 429 and problem_type(refused) == "budget_exceeded"
    assert refused["Retry-After"] == "1"  # room comes back as runs in flight settle
    usage = api.get("/api/v1/usage").json()["project"]["tokens_per_day"]
    assert usage["reserved"] == 800 and usage["used"] == 0
    execute_run(first.json()["id"])  # settles: uses a few tokens, gives the rest of 400 back
    assert create(api).status_code == 201


def test_an_api_key_budget_applies_to_that_key_only(project):
    scripted_agent(project, script=[{"text": "x", "usage": {"input_tokens": 10, "output_tokens": 10}}])
    limited_raw, other_raw = make_key(project, "developer"), make_key(project, "developer")
    limited = ApiKey.objects.get(prefix=limited_raw[:10])
    set_limits(project, api_key=limited, tokens_per_day=15)
    limited_api, other_api = client_for(limited_raw), client_for(other_raw)
    assert execute_run(create(limited_api).json()["id"]) == "failed"  # 20 > 15: crossed
    refused = create(limited_api)
    assert refused.status_code == 429 and "API key" in refused.json()["detail"]
    assert create(other_api).status_code == 201
    keys = other_api.get("/api/v1/usage").json()["api_keys"]
    assert [(k["api_key_id"], k["tokens_per_day"]["used"]) for k in keys] == [(limited.pk, 20)]


def test_a_model_without_a_price_is_refused_under_a_usd_budget(project):
    scripted_agent(project, name="priced", model="openai/house-model-7")
    set_limits(project, usd_per_day="5")
    api = client_for(make_key(project, "developer"))
    refused = api.post("/api/v1/runs", {"agent": "priced", "input": {"message": "x"}}, format="json")
    assert refused.status_code == 422
    assert problem_type(refused) == "model_price_missing" and "model" in refused.json()["errors"]
    project.settings = {"prices": {"openai/house-model-7": {"input": 1.0, "output": 2.0}}}
    project.save(update_fields=["settings"])
    created = api.post("/api/v1/runs", {"agent": "priced", "input": {"message": "x"}}, format="json")
    assert created.status_code == 201


def test_projects_without_limits_touch_no_counter(project):
    from agent_platform.redis_client import redis_client

    scripted_agent(project)
    run_id = create(client_for(make_key(project, "developer"))).json()["id"]
    assert not redis_client().exists(f"lim:run:{run_id}")
