"""MCP servers per project: a server installed from PyPI (`mcp-server-time`) is registered over
the API, refreshed into the registry and called over stdio, from the playground and from an
agent run; stdio registration needs the admin role; no server process is left behind."""
import shutil
import sys
from pathlib import Path

import pytest

from runs.executor import execute_run
from runs.models import Event
from runtime.tools.mcp import default_pool
from tests.conftest import client_for, make_key
from tests.runs.factories import scripted_agent
from tests.runtime.tools.sandbox_helpers import processes_running

TIME_SERVER = shutil.which("mcp-server-time", path=str(Path(sys.executable).parent))
needs_time_server = pytest.mark.skipif(TIME_SERVER is None, reason="pip install mcp-server-time")
CLOCK = {"name": "clock", "transport": "stdio", "command": TIME_SERVER or "", "args": ["--local-timezone", "UTC"],
         "timeout_s": 20}


def register_clock(admin_api) -> dict:
    response = admin_api.post("/api/v1/mcp-servers", CLOCK, format="json")
    assert response.status_code == 201, response.content
    return response.json()


@pytest.mark.django_db
def test_stdio_servers_need_the_admin_role(project, dev):
    response = dev.post("/api/v1/mcp-servers", CLOCK, format="json")
    assert response.status_code == 403
    assert "manage_project" in response.json()["detail"]
    http = dev.post("/api/v1/mcp-servers", {"name": "remote", "transport": "http",
                                            "url": "https://mcp.example.com/mcp"}, format="json")
    assert http.status_code == 201, http.content


@pytest.mark.django_db
@pytest.mark.parametrize("payload, field", [
    ({"name": "x", "transport": "stdio"}, "command"),
    ({"name": "x", "transport": "http"}, "url"),
    ({"name": "bad name", "transport": "http", "url": "https://x/mcp"}, "name"),
    ({"name": "x", "transport": "carrier-pigeon"}, "transport"),
])
def test_invalid_servers_name_the_field(admin_api, payload, field):
    response = admin_api.post("/api/v1/mcp-servers", payload, format="json")
    assert response.status_code == 400 and field in response.json()["errors"], response.content


@pytest.mark.django_db
@needs_time_server
def test_pypi_server_is_refreshed_into_the_registry_and_called(admin_api, mcp_pool_closed):
    server = register_clock(admin_api)
    refreshed = admin_api.post(f"/api/v1/mcp-servers/{server['id']}/refresh")
    assert refreshed.status_code == 200, refreshed.content
    assert sorted(refreshed.json()["added"]) == ["clock__convert_time", "clock__get_current_time"]
    assert refreshed.json()["server"]["last_listed_at"] is not None
    assert processes_running("mcp-server-time") == []  # listing does not keep the server running

    listed = {t["name"]: t for t in admin_api.get("/api/v1/tools?kind=mcp").json()["data"]}
    assert listed["clock__get_current_time"]["input_schema"]["required"] == ["timezone"]
    assert listed["clock__get_current_time"]["mcp_server"] == server["id"]

    called = admin_api.post("/api/v1/tools/clock__get_current_time/invoke", {"input": {"timezone": "Asia/Tokyo"}},
                            format="json")
    assert called.status_code == 200, called.content
    assert called.json()["output"]["structured"]["timezone"] == "Asia/Tokyo"
    failed = admin_api.post("/api/v1/tools/clock__get_current_time/invoke",
                            {"input": {"timezone": "Mars/Olympus_Mons"}}, format="json")
    assert failed.status_code == 502 and "Mars/Olympus_Mons" in failed.json()["detail"]

    again = admin_api.post(f"/api/v1/mcp-servers/{server['id']}/refresh").json()
    assert again["added"] == [] and again["removed"] == [] and again["updated"] == []
    default_pool.close_all()
    assert processes_running("mcp-server-time") == []
    assert admin_api.delete(f"/api/v1/mcp-servers/{server['id']}").status_code == 204
    assert admin_api.get("/api/v1/tools?kind=mcp").json()["data"] == []


@pytest.mark.django_db
def test_unreachable_server_refresh_is_a_tool_error(admin_api):
    server = admin_api.post("/api/v1/mcp-servers", {**CLOCK, "command": "/nonexistent/mcp-server"},
                            format="json").json()
    response = admin_api.post(f"/api/v1/mcp-servers/{server['id']}/refresh")
    assert response.status_code == 502
    assert response.json()["tool_error"]["type"] == "tool_connection_error"


@pytest.mark.django_db
def test_http_server_on_a_private_address_is_refused(dev):
    server = dev.post("/api/v1/mcp-servers", {"name": "internal", "transport": "http",
                                              "url": "http://127.0.0.1:9/mcp"}, format="json").json()
    response = dev.post(f"/api/v1/mcp-servers/{server['id']}/refresh")
    assert response.status_code == 403
    assert response.json()["tool_error"]["type"] == "tool_refused"


@pytest.mark.django_db(transaction=True)
@needs_time_server
def test_agent_run_calls_an_mcp_tool(project, mcp_pool_closed):
    admin = client_for(make_key(project, "admin"))
    server = register_clock(admin)
    assert admin.post(f"/api/v1/mcp-servers/{server['id']}/refresh").status_code == 200
    scripted_agent(project, tools=["clock__get_current_time"], script=[
        {"tool_calls": [{"name": "clock__get_current_time", "arguments": {"timezone": "Europe/Paris"}}]},
        {"text": "done"}])
    run_id = admin.post("/api/v1/runs", {"agent": "helper", "input": {"message": "time?"}}, format="json").json()["id"]
    assert execute_run(run_id) == "succeeded"
    completed = Event.objects.get(run_id=run_id, type="tool.completed").data
    assert completed["output"]["structured"]["timezone"] == "Europe/Paris"
