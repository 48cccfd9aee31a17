"""API key scopes: read-only and runs-only keys, narrower than their role."""
import pytest

from accounts.models import ApiKey
from tests.conftest import client_for, make_key
from tests.runs.factories import scripted_agent

pytestmark = pytest.mark.django_db


def test_a_read_only_key_reads_but_never_writes(project):
    scripted_agent(project)
    api = client_for(make_key(project, "admin", scope="read_only"))
    assert api.get("/api/v1/agents").status_code == 200
    assert api.get("/api/v1/runs").status_code == 200
    refused = api.post("/api/v1/runs", {"agent": "helper", "input": {"message": "x"}}, format="json")
    assert refused.status_code == 403 and "read-only" in refused.json()["detail"]
    assert api.post("/api/v1/agents", {"name": "other"}, format="json").status_code == 403


def test_a_runs_only_key_starts_and_reads_runs_and_nothing_else(project):
    scripted_agent(project)
    api = client_for(make_key(project, "developer", scope="runs_only"))
    created = api.post("/api/v1/runs", {"agent": "helper", "input": {"message": "x"}}, format="json")
    assert created.status_code == 201
    assert api.get(f"/api/v1/runs/{created.json()['id']}").status_code == 200
    assert api.get("/api/v1/traces").status_code == 200
    assert api.get("/api/v1/agents").status_code == 403
    assert api.get("/api/v1/secrets").status_code == 403


def test_scope_is_set_at_creation_and_shown(project):
    admin = client_for(make_key(project, "admin"))
    created = admin.post("/api/v1/api-keys", {"name": "ci", "role": "developer", "scope": "runs_only"}, format="json")
    assert created.status_code == 201 and created.json()["scope"] == "runs_only"
    assert ApiKey.objects.get(pk=created.json()["id"]).scope == "runs_only"
    bad = admin.post("/api/v1/api-keys", {"name": "ci", "role": "developer", "scope": "everything"}, format="json")
    assert bad.status_code == 400 and "scope" in bad.json()["errors"]
