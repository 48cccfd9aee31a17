"""The OpenAPI document is the contract the SDKs test against: complete and warning-free."""
import pytest
import yaml
from django.core.management import call_command

CONTRACT_PATHS = [
    "/api/v1/agents", "/api/v1/agents/{agent_id}", "/api/v1/agents/{agent_id}/versions",
    "/api/v1/agents/{agent_id}/promote", "/api/v1/runs", "/api/v1/runs/{run_id}", "/api/v1/runs/{run_id}/cancel",
    "/api/v1/runs/{run_id}/resume", "/api/v1/runs/{run_id}/events", "/api/v1/runs/{run_id}/stream",
    "/api/v1/traces", "/api/v1/traces/{trace_id}", "/api/v1/secrets", "/api/v1/secrets/{name}",
    "/api/v1/api-keys", "/api/v1/projects",
]


@pytest.mark.django_db
def test_schema_is_served(client):
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    document = yaml.safe_load(response.content)
    assert document["openapi"].startswith("3.")
    missing = [path for path in CONTRACT_PATHS if path not in document["paths"]]
    assert not missing
    create = document["paths"]["/api/v1/runs"]["post"]
    assert "application/problem+json" in create["responses"]["400"]["content"]
    assert document["components"]["securitySchemes"]["ApiKey"]["scheme"] == "bearer"


def test_schema_generates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
