"""Item 9 of issue 15 (stdio MCP commands only from the operator's allow-list) and issue 10's
`PATCH /api/v1/mcp-servers/{id}` (change the configuration, re-list the tools)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from runtime.tools.mcp import default_pool

pytestmark = pytest.mark.django_db
TOOLSET_SERVER = str(Path(__file__).with_name("mcp_toolset_server.py"))


def stdio_server(toolset: str = "a") -> dict:
    return {"name": "toolset", "transport": "stdio", "command": sys.executable, "args": [TOOLSET_SERVER],
            "env": {"TOOLSET": toolset}, "timeout_s": 20}


@pytest.fixture(autouse=True)
def _no_server_left():
    yield
    default_pool.close_all()


def test_stdio_servers_are_refused_by_default(admin_api, settings):
    settings.PLATFORM_MCP_STDIO_COMMANDS = []
    response = admin_api.post("/api/v1/mcp-servers", stdio_server(), format="json")
    assert response.status_code == 422, response.content
    assert "command" in response.json()["errors"]


def test_only_listed_commands_may_run_and_a_withdrawn_one_stops(admin_api, settings):
    settings.PLATFORM_MCP_STDIO_COMMANDS = ["/usr/bin/true"]
    assert admin_api.post("/api/v1/mcp-servers", stdio_server(), format="json").status_code == 422
    settings.PLATFORM_MCP_STDIO_COMMANDS = [sys.executable]
    created = admin_api.post("/api/v1/mcp-servers", stdio_server(), format="json")
    assert created.status_code == 201, created.content
    settings.PLATFORM_MCP_STDIO_COMMANDS = []
    refreshed = admin_api.post(f"/api/v1/mcp-servers/{created.json()['id']}/refresh")
    assert refreshed.status_code == 403
    assert refreshed.json()["tool_error"]["details"]["reason"] == "stdio_command_not_allowed"


def test_patch_changes_the_server_and_relists_its_tools(admin_api, settings):
    settings.PLATFORM_MCP_STDIO_COMMANDS = [sys.executable]
    server = admin_api.post("/api/v1/mcp-servers", stdio_server("a"), format="json").json()
    first = admin_api.post(f"/api/v1/mcp-servers/{server['id']}/refresh")
    assert first.status_code == 200 and first.json()["added"] == ["toolset__alpha"], first.content
    patched = admin_api.patch(f"/api/v1/mcp-servers/{server['id']}", {"env": {"TOOLSET": "b"}}, format="json")
    assert patched.status_code == 200, patched.content
    assert patched.json()["added"] == ["toolset__beta"] and patched.json()["removed"] == ["toolset__alpha"]
    names = {t["name"] for t in admin_api.get("/api/v1/tools").json()["data"]}
    assert "toolset__beta" in names and "toolset__alpha" not in names


def test_a_patch_that_breaks_the_server_changes_nothing(admin_api, settings):
    settings.PLATFORM_MCP_STDIO_COMMANDS = [sys.executable]
    server = admin_api.post("/api/v1/mcp-servers", stdio_server("a"), format="json").json()
    assert admin_api.post(f"/api/v1/mcp-servers/{server['id']}/refresh").status_code == 200
    broken = admin_api.patch(f"/api/v1/mcp-servers/{server['id']}", {"args": ["/nonexistent/server.py"]},
                             format="json")
    assert broken.status_code >= 400
    assert admin_api.get(f"/api/v1/mcp-servers/{server['id']}").json()["args"] == [TOOLSET_SERVER]
    unknown = admin_api.patch(f"/api/v1/mcp-servers/{server['id']}", {"name": "renamed"}, format="json")
    assert unknown.status_code == 400 and "name" in unknown.json()["errors"]


def test_developers_cannot_patch_a_stdio_server(admin_api, dev_api, settings):
    settings.PLATFORM_MCP_STDIO_COMMANDS = [sys.executable]
    server = admin_api.post("/api/v1/mcp-servers", stdio_server("a"), format="json").json()
    response = dev_api.patch(f"/api/v1/mcp-servers/{server['id']}", {"env": {"TOOLSET": "b"}}, format="json")
    assert response.status_code == 403
