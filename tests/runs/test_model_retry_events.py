"""Each retry of a model call is on the run's event stream as `model.retry` (attempt, error, delay)."""
import pytest

from runs.executor import execute_run
from runs.models import Event
from tests.conftest import client_for, make_key
from tests.runs.factories import scripted_agent

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_retried_model_call_is_stored_and_listed_as_model_retry(project):
    scripted_agent(project, script=[{"error": "model_rate_limited", "retry_after": 0.01, "message": "slow down"},
                                    {"error": "model_server_error", "message": "upstream answered 500"},
                                    {"text": "recovered"}])
    api = client_for(make_key(project, "developer"))
    run_id = api.post("/api/v1/runs", {"agent": "helper", "input": {"message": "hi"}}, format="json").json()["id"]

    assert execute_run(run_id) == "succeeded"

    stored = list(Event.objects.filter(run_id=run_id).order_by("seq").values_list("type", "data"))
    retries = [data for kind, data in stored if kind == "model.retry"]
    assert [(r["model"], r["attempt"], r["error"]) for r in retries] == [
        ("scripted/helper", 1, "model_rate_limited"), ("scripted/helper", 2, "model_server_error")]
    assert retries[0]["delay_s"] == 0.01 and retries[0]["message"] == "slow down"
    assert 0 < retries[1]["delay_s"] <= 1.0  # the exponential backoff's second step, jittered
    kinds = [kind for kind, _ in stored]
    assert kinds.index("model.retry") < kinds.index("model.completed") < kinds.index("run.succeeded")

    listed = api.get(f"/api/v1/runs/{run_id}/events").json()["data"]
    assert [e["data"]["attempt"] for e in listed if e["type"] == "model.retry"] == [1, 2]
    assert api.get(f"/api/v1/runs/{run_id}").json()["output"] == {"text": "recovered"}
