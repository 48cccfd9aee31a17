"""Agents over the API: versions are immutable and deduplicated, promotion, deletion."""
import pytest

from agents.models import Agent, AgentVersion
from runs.executor import execute_run
from tests.conftest import client_for, make_key


@pytest.fixture
def dev(project):
    return client_for(make_key(project, "developer"))


BODY = {"model": "scripted/a", "instructions": "Be brief.", "model_settings": {"script": [{"text": "ok"}]}}


@pytest.mark.django_db
def test_versions_are_numbered_and_identical_bodies_deduplicated(dev):
    agent = dev.post("/api/v1/agents", {"name": "a"}, format="json").json()
    first = dev.post(f"/api/v1/agents/{agent['id']}/versions", BODY, format="json")
    same = dev.post(f"/api/v1/agents/{agent['id']}/versions", BODY, format="json")
    changed = dev.post("/api/v1/agents/a/versions", {**BODY, "instructions": "Be kind."}, format="json")
    assert (first.status_code, same.status_code, changed.status_code) == (201, 200, 201)
    assert first.json()["number"] == same.json()["number"] == 1 and changed.json()["number"] == 2
    assert first.json()["body"]["limits"]["max_steps"] == 10  # defaults filled in
    assert dev.get("/api/v1/agents/a/versions/1").json()["content_hash"] == first.json()["content_hash"]
    assert dev.patch("/api/v1/agents/a", {"model": "x"}, format="json").status_code == 400


@pytest.mark.django_db
def test_invalid_version_bodies_name_the_field(dev):
    dev.post("/api/v1/agents", {"name": "a"}, format="json")
    response = dev.post("/api/v1/agents/a/versions", {"model": "m", "limits": {"max_steps": 0}}, format="json")
    assert response.status_code == 400 and "limits.max_steps" in response.json()["errors"]
    response = dev.post("/api/v1/agents/a/versions", {"model": "local/default", "tools": ["nope"]}, format="json")
    assert response.status_code == 400 and "tools[0]" in response.json()["errors"]
    response = dev.post("/api/v1/agents/a/versions", {"model": "local/default", "output_schema": {"type": 5}},
                        format="json")
    assert response.status_code == 400 and "output_schema" in response.json()["errors"]


@pytest.mark.django_db
def test_promotion_is_recorded_and_prod_needs_admin(dev, project):
    dev.post("/api/v1/agents", {"name": "a"}, format="json")
    dev.post("/api/v1/agents/a/versions", BODY, format="json")
    promoted = dev.post("/api/v1/agents/a/promote", {"version": 1, "environment": "stage"}, format="json")
    assert promoted.status_code == 201 and promoted.json()["promoted_by"].startswith("api-key:")
    assert dev.get("/api/v1/agents/a").json()["environments"] == {"dev": None, "stage": 1, "prod": None}
    assert dev.post("/api/v1/agents/a/promote", {"version": 1, "environment": "prod"}, format="json").status_code == 403
    admin = client_for(make_key(project, "admin"))
    assert admin.post("/api/v1/agents/a/promote", {"version": 1, "environment": "prod"}, format="json").status_code == 201
    assert admin.post("/api/v1/agents/a/promote", {"version": 9, "environment": "prod"}, format="json").status_code == 404
    history = dev.get("/api/v1/agents/a/promote").json()["data"]
    assert [h["environment"] for h in history] == ["prod", "stage"]


@pytest.mark.django_db(transaction=True)
def test_deleting_a_promoted_agent_and_one_with_runs(project):
    admin = client_for(make_key(project, "admin"))
    for name in ("a", "b"):
        admin.post("/api/v1/agents", {"name": name}, format="json")
        admin.post(f"/api/v1/agents/{name}/versions", {**BODY, "model": f"scripted/{name}"}, format="json")
        admin.post(f"/api/v1/agents/{name}/promote", {"version": 1, "environment": "prod"}, format="json")
    assert admin.delete("/api/v1/agents/a").status_code == 204
    assert not Agent.objects.filter(name="a").exists() and not AgentVersion.objects.filter(agent__name="a").exists()
    run_id = admin.post("/api/v1/runs", {"agent": "b", "input": {"message": "x"}}, format="json").json()["id"]
    execute_run(run_id)
    response = admin.delete("/api/v1/agents/b")
    assert response.status_code == 409 and "agent" in response.json()["errors"]
