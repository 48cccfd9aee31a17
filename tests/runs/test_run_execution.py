"""A run executed by the worker code path (in-process): events, output, usage, statuses."""
import pytest

from runs.executor import execute_run
from runs.models import Event, Run
from tests.conftest import client_for, make_key
from tests.runs.factories import scripted_agent

pytestmark = pytest.mark.django_db(transaction=True)


def types(run_id):
    return list(Event.objects.filter(run_id=run_id).order_by("seq").values_list("type", flat=True))


def test_agent_run_succeeds_with_gap_free_events(project):
    scripted_agent(project, script=[{"echo": True, "prefix": "You said: "}])
    api = client_for(make_key(project, "developer"))
    created = api.post("/api/v1/runs", {"agent": "helper", "input": {"message": "hi"}}, format="json")
    assert created.status_code == 201, created.content
    run_id = created.json()["id"]
    assert created.json()["status"] == "queued"

    assert execute_run(run_id) == "succeeded"
    run = api.get(f"/api/v1/runs/{run_id}").json()
    assert run["status"] == "succeeded"
    assert run["output"] == {"text": "You said: hi"}
    assert run["timings"]["total_ms"] is not None
    seqs = list(Event.objects.filter(run_id=run_id).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    kinds = types(run_id)
    assert kinds[0] == "run.queued" and kinds[1] == "run.started" and kinds[-1] == "run.succeeded"
    assert "model.delta" in kinds and "model.completed" in kinds
    assert sum(t.startswith("run.") and t in {"run.succeeded", "run.failed"} for t in kinds) == 1


def test_executing_twice_does_nothing_the_second_time(project):
    scripted_agent(project)
    api = client_for(make_key(project, "developer"))
    run_id = api.post("/api/v1/runs", {"agent": "helper", "input": {"message": "x"}}, format="json").json()["id"]
    assert execute_run(run_id) == "succeeded"
    before = types(run_id)
    assert execute_run(run_id) is None
    assert types(run_id) == before


def test_failing_model_fails_the_run_with_a_typed_error(project):
    scripted_agent(project, script=[{"error": "model_auth_error", "message": "bad key"}],
                   limits={"max_steps": 3})
    api = client_for(make_key(project, "developer"))
    run_id = api.post("/api/v1/runs", {"agent": "helper", "input": {"message": "x"}}, format="json").json()["id"]
    assert execute_run(run_id) == "failed"
    run = Run.objects.get(pk=run_id)
    assert run.error["type"] == "model_auth_error"
    assert types(run_id)[-1] == "run.failed"


def test_tool_call_is_traced_and_counted(project):
    scripted_agent(project, tools=["kv"], script=[
        {"tool_calls": [{"name": "kv", "arguments": {"op": "set", "key": "greeting", "value": "hello"}}]},
        {"text": "stored"}])
    api = client_for(make_key(project, "developer"))
    run_id = api.post("/api/v1/runs", {"agent": "helper", "input": {"message": "x"}}, format="json").json()["id"]
    assert execute_run(run_id) == "succeeded"
    kinds = types(run_id)
    assert kinds.index("tool.started") < kinds.index("tool.completed")
    trace = api.get(f"/api/v1/traces/{run_id}").json()
    assert {s["kind"] for s in trace["spans"]} >= {"model", "tool"}
    listed = api.get(f"/api/v1/traces?run={run_id}").json()["data"]
    assert len(listed) == len(trace["spans"])
    from tools.models import KVEntry
    assert KVEntry.objects.get(project=project, key="greeting").value == "hello"
