"""Issue 15 leftovers: the tool playground and the MCP paths decrypt only the secrets a tool
references, and MCP server env/header secrets are checked against the secret's scope."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from accounts import services
from runtime.errors import ToolRefused
from runtime.tools.base import ToolContext
from runtime.tools.mcp import default_pool
from runtime.tools.mcp_session import MCPServerConfig, referenced_secrets
from tests.runtime.tools.local_server import json_answer

pytestmark = pytest.mark.django_db(transaction=True)
TOOLSET_SERVER = str(Path(__file__).with_name("mcp_toolset_server.py"))


@pytest.fixture(autouse=True)
def _no_server_left():
    yield
    default_pool.close_all()


@pytest.fixture
def revealed(monkeypatch):
    """Every secrets mapping the playground and MCP services hand out (a spy: calls the real one)."""
    handed = []

    def spy(project, names=None):
        mapping = services.reveal_secrets(project, names)
        handed.append(mapping)
        return mapping

    monkeypatch.setattr("tools.playground.reveal_secrets", spy)
    monkeypatch.setattr("tools.mcp_services.reveal_secrets", spy)
    return handed


def test_the_playground_decrypts_only_the_secrets_the_call_references(project, dev_api, server, revealed):
    project.http_allowlist = ["127.0.0.1"]
    project.save(update_fields=["http_allowlist"])
    server.route("/a", lambda seen: json_answer({"ok": True}))
    services.set_secret(project=project, name="USED", value="used-value-1234", allowed_hosts=["127.0.0.1"])
    services.set_secret(project=project, name="UNUSED", value="unused-value-5678", allowed_hosts=["127.0.0.1"])
    response = dev_api.post("/api/v1/tools/http/invoke", {"input": {"method": "GET", "url": server.url("/a")},
                                                          "config": {"headers": {"X-Key": "{secret:USED}"}}},
                            format="json")
    assert response.status_code == 200, response.content
    assert {k.lower(): v for k, v in server.seen[0].headers.items()}["x-key"] == "used-value-1234"
    [mapping] = revealed
    assert sorted(mapping) == ["USED"] and mapping.revealed == {"used-value-1234"}


def test_a_playground_call_cannot_read_a_secret_it_does_not_reference(project, dev_api, server, revealed):
    """The tool's mapping holds only referenced names: nothing else can be read through it."""
    project.http_allowlist = ["127.0.0.1"]
    project.save(update_fields=["http_allowlist"])
    services.set_secret(project=project, name="OTHER", value="other-value-1234", allowed_hosts=["127.0.0.1"])
    server.route("/a", lambda seen: json_answer({"ok": True}))
    response = dev_api.post("/api/v1/tools/http/invoke", {"input": {"method": "GET", "url": server.url("/a")}},
                            format="json")
    assert response.status_code == 200, response.content
    [mapping] = revealed
    assert list(mapping) == [] and "OTHER" not in mapping


def stdio_server(env_value: str) -> dict:
    return {"name": "toolset", "transport": "stdio", "command": sys.executable, "args": [TOOLSET_SERVER],
            "env": {"TOOLSET": env_value}, "timeout_s": 20}


def test_an_mcp_env_secret_must_be_scoped_to_the_worker_host(admin_api, project, settings, revealed):
    settings.PLATFORM_MCP_STDIO_COMMANDS = [sys.executable]
    services.set_secret(project=project, name="TOOLSET_CHOICE", value="b", allowed_hosts=["api.example.com"])
    services.set_secret(project=project, name="UNRELATED", value="unrelated-value-1", allowed_hosts=["localhost"])
    server = admin_api.post("/api/v1/mcp-servers", stdio_server("{secret:TOOLSET_CHOICE}"), format="json").json()
    refused = admin_api.post(f"/api/v1/mcp-servers/{server['id']}/refresh")
    assert refused.status_code == 403, refused.content
    assert refused.json()["tool_error"]["details"]["reason"] == "secret_scope"
    assert "TOOLSET_CHOICE" in refused.json()["detail"]
    assert admin_api.patch("/api/v1/secrets/TOOLSET_CHOICE", {"allowed_hosts": ["localhost"]},
                           format="json").status_code == 200
    listed = admin_api.post(f"/api/v1/mcp-servers/{server['id']}/refresh")
    assert listed.status_code == 200, listed.content
    assert listed.json()["added"] == ["toolset__beta"]  # the secret's value reached the server's env
    assert all(sorted(m) == ["TOOLSET_CHOICE"] for m in revealed) and len(revealed) == 2


def test_an_mcp_header_secret_must_allow_the_server_host(project):
    services.set_secret(project=project, name="MCP_TOKEN", value="mcp-token-value-1", allowed_hosts=["mcp.example.com"])
    services.set_secret(project=project, name="UNRELATED", value="unrelated-value-2", allowed_hosts=["mcp.example.com"])
    secrets = services.reveal_secrets(project)
    elsewhere = MCPServerConfig(name="s", url="http://127.0.0.1:9/mcp", headers={"Authorization": "Bearer {secret:MCP_TOKEN}"})
    with pytest.raises(ToolRefused) as refused:
        referenced_secrets(elsewhere, secrets)
    assert refused.value.details["reason"] == "secret_scope" and secrets.revealed == set()
    allowed = MCPServerConfig(name="s", url="https://mcp.example.com/mcp",
                              headers={"Authorization": "Bearer {secret:MCP_TOKEN}"})
    assert referenced_secrets(allowed, secrets) == {"MCP_TOKEN": "mcp-token-value-1"}
    assert secrets.revealed == {"mcp-token-value-1"}


def test_the_mcp_session_pool_reads_only_the_servers_secrets(project):
    """A run's mapping holds every secret name of its project; a session takes only its own."""
    services.set_secret(project=project, name="MCP_TOKEN", value="mcp-token-value-3", allowed_hosts=["mcp.example.com"])
    services.set_secret(project=project, name="UNRELATED", value="unrelated-value-3", allowed_hosts=["mcp.example.com"])
    secrets = services.reveal_secrets(project)
    config = MCPServerConfig(name="s", url="https://mcp.example.com/mcp", headers={"X-Token": "{secret:MCP_TOKEN}"})
    ctx = ToolContext(idempotency_key="k", project_id=str(project.pk), secrets=secrets, services={})
    session = default_pool.session(config, ctx)
    assert session.secrets == {"MCP_TOKEN": "mcp-token-value-3"}
    assert default_pool.session(config, ctx) is session  # same values: the live session is reused
    assert secrets.revealed == {"mcp-token-value-3"}
