"""Human feedback on runs: the API, and the `human` metric reading it."""
from __future__ import annotations

import pytest

from evals.runner import execute_eval
from runs.models import Run
from tests.conftest import client_for, make_key
from tests.evals.helpers import create_dataset
from tests.runs.factories import scripted_agent

pytestmark = pytest.mark.django_db(transaction=True)


def test_feedback_api(api, project, other_project):
    agent, version = scripted_agent(project)
    run = Run.objects.create(project=project, kind="agent", agent=agent, agent_version=version, input={},
                             status="succeeded")
    r = api.post(f"/api/v1/runs/{run.id}/feedback", {"thumbs": "up", "comment": "nice"}, format="json")
    assert r.status_code == 201, r.content
    assert r.json()["thumbs"] == "up" and r.json()["comment"] == "nice" and r.json()["run_id"] == run.id
    api.post(f"/api/v1/runs/{run.id}/feedback", {"score": 2}, format="json")
    listed = api.get(f"/api/v1/runs/{run.id}/feedback").json()["data"]
    assert sorted((f["thumbs"] or "", f["score"] or 0) for f in listed) == [("", 2.0), ("up", 0)]
    empty = api.post(f"/api/v1/runs/{run.id}/feedback", {}, format="json")
    assert empty.status_code == 400 and "body" in empty.json()["errors"]
    bad = api.post(f"/api/v1/runs/{run.id}/feedback", {"thumbs": "sideways"}, format="json")
    assert bad.status_code == 400 and "thumbs" in bad.json()["errors"]
    other = client_for(make_key(other_project))
    assert other.post(f"/api/v1/runs/{run.id}/feedback", {"thumbs": "down"}, format="json").status_code == 404


def test_human_metric_reads_the_feedback_of_the_eval_runs(api, project):
    scripted_agent(project, "helper", [{"echo": True}])
    create_dataset(project, "qa", [{"id": "a", "input": "x"}, {"id": "b", "input": "y"}])
    first = api.post("/api/v1/evals", {"dataset": "qa", "target": {"agent": "helper"},
                                       "metrics": [{"type": "human"}]}, format="json").json()
    execute_eval(first["id"], worker_name="test")
    rows = {r["item_id"]: r for r in api.get(f"/api/v1/evals/{first['id']}/items").json()["data"]}
    assert rows["a"]["scores"]["human"]["value"] is None  # no feedback yet
    api.post(f"/api/v1/runs/{rows['a']['run_id']}/feedback", {"thumbs": "up"}, format="json")
    api.post(f"/api/v1/runs/{rows['b']['run_id']}/feedback", {"score": 2}, format="json")  # (2-1)/(5-1)
    done = api.get(f"/api/v1/evals/{first['id']}").json()
    assert done["summary"]["human"]["mean"] == 0.625  # (1.0 + 0.25) / 2
    rows = {r["item_id"]: r for r in api.get(f"/api/v1/evals/{first['id']}/items").json()["data"]}
    assert rows["a"]["scores"]["human"]["passed"] is True and rows["b"]["scores"]["human"]["passed"] is False
