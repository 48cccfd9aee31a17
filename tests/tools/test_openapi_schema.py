"""The tools API is in the OpenAPI document, with problem+json tool errors, and adds no schema
warnings of its own."""
import pytest
import yaml
from django.core.management import call_command

PATHS = ["/api/v1/tools", "/api/v1/tools/{tool_id}", "/api/v1/tools/{tool_id}/versions",
         "/api/v1/tools/{tool_id}/versions/{number}", "/api/v1/tools/{tool_id}/invoke",
         "/api/v1/tools/import-openapi", "/api/v1/mcp-servers", "/api/v1/mcp-servers/{server_id}",
         "/api/v1/mcp-servers/{server_id}/refresh"]


@pytest.mark.django_db
def test_tool_paths_and_error_responses_are_documented(client):
    document = yaml.safe_load(client.get("/api/v1/schema/").content)
    assert [p for p in PATHS if p not in document["paths"]] == []
    invoke = document["paths"]["/api/v1/tools/{tool_id}/invoke"]["post"]["responses"]
    for status in ("422", "403", "429", "502", "504"):
        assert "application/problem+json" in invoke[status]["content"], status


def test_tools_add_no_schema_warnings(tmp_path, capsys):
    try:
        call_command("spectacular", "--validate", "--file", str(tmp_path / "schema.yaml"))
    finally:
        err = capsys.readouterr().err
    ours = [line for line in err.splitlines() if "/tools/" in line]
    assert ours == []
