"""The official `mcp` Python client against `/mcp/` on the live server: it lists the project's
exposed agents and workflows as tools and calls one over streamable HTTP; a wrong key is refused."""
from __future__ import annotations

import anyio
import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from accounts import services
from runs.models import Run
from tests.runs.factories import scripted_agent

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SCHEMA = {"type": "object", "required": ["city"], "properties": {"city": {"type": "string"}}}


async def _with_client(base_url: str, key: str, work):
    async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {key}"}, timeout=30) as http:
        async with Client(streamable_http_client(f"{base_url}/mcp/", http_client=http), mode="auto") as client:
            return await work(client)


def with_client(base_url: str, key: str, work):
    return anyio.run(_with_client, base_url, key, work)


def test_lists_exposed_agents_and_calls_one(base_url, surface_project, surface_key):
    scripted_agent(surface_project, name="echo", script=[{"echo": True, "prefix": "You said: "}])
    scripted_agent(surface_project, name="geo", output_schema=SCHEMA, script=[{"json": {"city": "Paris"}}])
    other = services.create_project(slug=f"{surface_project.slug}-o")
    scripted_agent(other, name="theirs")
    progress: list[tuple[float, str | None]] = []

    async def work(client):
        listed = await client.list_tools()

        async def on_progress(value, total, message):
            progress.append((value, message))

        echo = await client.call_tool("agent_echo", {"message": "hi"}, progress_callback=on_progress)
        geo = await client.call_tool("agent_geo", {"message": "capital of France?"})
        bad = await client.call_tool("agent_echo", {"wrong": 1})
        return listed, echo, geo, bad

    listed, echo, geo, bad = with_client(base_url, surface_key, work)
    tools = {tool.name: tool for tool in listed.tools}
    assert set(tools) == {"agent_echo", "agent_geo"}
    assert tools["agent_echo"].input_schema["required"] == ["message"]
    assert tools["agent_geo"].output_schema == SCHEMA and tools["agent_echo"].output_schema is None
    assert not echo.is_error and echo.content[0].text == "You said: hi"
    run = Run.objects.get(pk=echo.meta["run_id"])
    assert run.status == "succeeded" and run.metadata == {"surface": "mcp"} and run.input == {"message": "hi"}
    assert progress and [p for p, _ in progress] == sorted(p for p, _ in progress)
    assert geo.structured_content == {"city": "Paris"} and not geo.is_error
    assert bad.is_error and "input" in bad.content[0].text


def test_project_setting_limits_the_exposed_tools(base_url, surface_project, surface_key):
    scripted_agent(surface_project, name="public")
    scripted_agent(surface_project, name="internal")
    surface_project.settings = {"mcp": {"expose": ["agent:public"]}}
    surface_project.save(update_fields=["settings"])

    async def work(client):
        listed = await client.list_tools()
        hidden = await client.call_tool("agent_internal", {"message": "x"})
        return listed, hidden

    listed, hidden = with_client(base_url, surface_key, work)
    assert [tool.name for tool in listed.tools] == ["agent_public"]
    assert hidden.is_error and not Run.objects.filter(project=surface_project).exists()


def test_a_wrong_key_is_refused(base_url, surface_project):
    response = httpx.post(f"{base_url}/mcp/", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
                          headers={"Authorization": "Bearer ap_wrong", "Accept": "application/json, text/event-stream"})
    assert response.status_code == 401 and response.headers["www-authenticate"].startswith("Bearer")

    async def work(client):
        return await client.list_tools()

    with pytest.raises(Exception):  # noqa: B017  (the client surfaces the 401 as its transport error)
        with_client(base_url, "ap_wrong", work)


def test_a_failed_run_is_a_tool_error(base_url, surface_project, surface_key):
    scripted_agent(surface_project, name="broken", script=[{"error": "model_bad_request", "message": "no such model"}])

    async def work(client):
        return await client.call_tool("agent_broken", {"message": "hi"})

    result = with_client(base_url, surface_key, work)
    assert result.is_error and "failed" in result.content[0].text
    assert Run.objects.get(pk=result.meta["run_id"]).status == "failed"
