"""Promotion policies gate promotions on a passing eval of the exact version; owners may
override with a reason, recorded on the promotion and in the audit log."""
from __future__ import annotations

import pytest
from auditlog.models import LogEntry

from evals.models import GateOverride
from evals.runner import execute_eval
from tests.conftest import client_for, make_key
from tests.evals.helpers import create_dataset, new_agent_version
from tests.runs.factories import scripted_agent

pytestmark = pytest.mark.django_db(transaction=True)
ITEMS = [{"id": "a", "input": "alpha", "expected": "alpha"}, {"id": "b", "input": "beta", "expected": "beta"}]


def run_eval_here(api, **body) -> dict:
    """Create over the API, execute with the real runner in this process (runs included)."""
    created = api.post("/api/v1/evals", body, format="json")
    assert created.status_code == 202, created.content
    assert execute_eval(created.json()["id"], worker_name="test") == "succeeded"
    return api.get(f"/api/v1/evals/{created.json()['id']}").json()


def promote(api, agent, version: int, environment: str = "prod"):
    return api.post(f"/api/v1/agents/{agent.id}/promote", {"version": version, "environment": environment},
                    format="json")


def test_promotion_refused_then_allowed_after_a_passing_eval(api, project):
    agent, _ = scripted_agent(project, "helper", [{"echo": True}])
    wrong = new_agent_version(agent, [{"text": "no idea"}])
    create_dataset(project, "regression", ITEMS)
    developer = client_for(make_key(project, "developer"))
    policy_body = {"target": {"agent": "helper"}, "environment": "prod", "dataset": "regression",
                   "thresholds": ["pass_rate(exact) >= 0.9"]}
    assert developer.post("/api/v1/promotion-policies", policy_body, format="json").status_code == 403
    policy = api.post("/api/v1/promotion-policies", policy_body, format="json")
    assert policy.status_code == 201, policy.content
    assert api.post("/api/v1/promotion-policies", policy_body, format="json").status_code == 409

    refused = promote(api, agent, 1)
    assert refused.status_code == 409
    assert refused["Content-Type"].startswith("application/problem+json")
    assert refused.json()["type"].endswith("promotion_gate_failed")
    assert "no succeeded eval of agent v1 on dataset 'regression' v1" in refused.json()["errors"]["thresholds"][0]

    failing = run_eval_here(api, dataset="regression", target={"agent": "helper", "version": wrong},
                            metrics=[{"type": "exact"}])
    refused = promote(api, agent, wrong)
    assert refused.status_code == 409
    errors = refused.json()["errors"]
    assert errors["eval"] == [failing["id"]]
    assert errors["thresholds"] == [f"pass_rate(exact) >= 0.9: 0 is not >= 0.9 (eval {failing['id']})"]
    assert promote(api, agent, wrong, "stage").status_code == 201  # no policy for stage

    passing = run_eval_here(api, dataset="regression", target={"agent": "helper", "version": 1},
                            metrics=[{"type": "exact"}])
    assert passing["summary"]["exact"]["pass_rate"] == 1.0
    allowed = promote(api, agent, 1)
    assert allowed.status_code == 201, allowed.content

    # a new dataset version: the policy wants an eval on the latest one
    from evals import services
    from evals.models import Dataset

    services.add_items(dataset=Dataset.objects.get(project=project, name="regression"),
                       items=[{"id": "c", "input": "gamma", "expected": "gamma"}])
    stale = promote(api, agent, 1)
    assert stale.status_code == 409 and "dataset 'regression' v2" in stale.json()["errors"]["thresholds"][0]


def test_owner_override_is_recorded_on_the_promotion_and_audited(api, project):
    agent, _ = scripted_agent(project, "helper", [{"echo": True}])
    create_dataset(project, "regression", ITEMS)
    api.post("/api/v1/promotion-policies", {"target": {"agent": "helper"}, "environment": "prod",
                                            "dataset": "regression", "thresholds": ["pass_rate(exact) >= 0.9"]},
             format="json")
    body = {"target": {"agent": "helper", "version": 1}, "environment": "prod", "reason": "hotfix for incident 42"}
    admin = client_for(make_key(project, "admin"))
    assert admin.post("/api/v1/promotion-overrides", body, format="json").status_code == 403
    assert api.post("/api/v1/promotion-overrides", {**body, "reason": " "}, format="json").status_code == 400
    done = api.post("/api/v1/promotion-overrides", body, format="json")
    assert done.status_code == 201, done.content
    assert done.json()["note"] == "gate overridden: hotfix for incident 42" and done.json()["version"] == 1
    history = api.get(f"/api/v1/agents/{agent.id}/promote").json()["data"]
    assert history[0]["note"] == "gate overridden: hotfix for incident 42"
    override = GateOverride.objects.get(project=project)
    assert override.reason == "hotfix for incident 42" and override.environment == "prod"
    assert override.actor.startswith("api-key:owner-key")
    assert "no succeeded eval" in override.failures["thresholds"][0]
    entry = LogEntry.objects.get_for_object(override).get()
    assert entry.changes_dict["reason"][1] == "hotfix for incident 42"


def test_policies_api(api, project):
    scripted_agent(project, "helper", [{"echo": True}])
    create_dataset(project, "regression", ITEMS)
    bad = api.post("/api/v1/promotion-policies", {"target": {"agent": "helper"}, "environment": "prod",
                                                  "dataset": "nope", "thresholds": ["pass_rate(exact) >= 1"]},
                   format="json")
    assert bad.status_code == 400 and "dataset" in bad.json()["errors"]
    bad = api.post("/api/v1/promotion-policies", {"target": {"agent": "helper"}, "environment": "prod",
                                                  "dataset": "regression", "thresholds": ["pass_rate(exact) >>"]},
                   format="json")
    assert bad.status_code == 400 and "thresholds[0]" in bad.json()["errors"]
    made = api.post("/api/v1/promotion-policies", {"target": {"agent": "helper"}, "environment": "prod",
                                                   "dataset": "regression", "thresholds": ["mean(exact) >= 1"],
                                                   "max_age_days": 3}, format="json").json()
    assert made["target"]["agent"] == "helper" and made["max_age_days"] == 3
    assert [p["id"] for p in api.get("/api/v1/promotion-policies").json()["data"]] == [made["id"]]
    assert api.delete(f"/api/v1/promotion-policies/{made['id']}").status_code == 204
    assert api.get(f"/api/v1/promotion-policies/{made['id']}").status_code == 404
