"""A client that goes away cancels its run (OpenAI stream closed; MCP call cancelled), and a
workflow whose input takes a message answers as `workflow:<name>`."""
from __future__ import annotations

import anyio
import httpx
import pytest
from openai import OpenAI

from runs.models import Run
from tests.e2e.servers import wait_until
from tests.runs.factories import scripted_agent
from tests.surfaces.test_mcp_server import _with_client
from tests.workflows.factories import chain, make_workflow, node

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SLOW = [{"delay": 30, "text": "too late"}]


def run_status(run_id: str) -> str:
    return Run.objects.values_list("status", flat=True).get(pk=run_id)


def test_closing_a_streamed_completion_cancels_its_run(base_url, surface_project, surface_key):
    scripted_agent(surface_project, name="slow", script=SLOW)
    body = {"model": "agent:slow", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
    with httpx.Client(timeout=30) as http, http.stream(
            "POST", f"{base_url}/v1/chat/completions", json=body,
            headers={"Authorization": f"Bearer {surface_key}"}) as response:
        assert response.status_code == 200
        run_id = response.headers["x-run-id"]
        first = next(response.iter_lines())
        assert first.startswith("data: ") and '"role": "assistant"' in first
    # queued: cancelled at once; running: the worker reads the flag within a second (inside the model call)
    assert wait_until(lambda: run_status(run_id) == "cancelled", timeout_s=60, what="the run to be cancelled")
    assert Run.objects.get(pk=run_id).events.filter(type="run.cancelled").count() == 1


def test_cancelling_an_mcp_call_cancels_its_run(base_url, surface_project, surface_key):
    scripted_agent(surface_project, name="slow", script=SLOW)

    async def work(client):
        started = anyio.Event()

        async def on_progress(value, total, message):
            if message and message.startswith("run.started"):
                started.set()

        async with anyio.create_task_group() as group:
            group.start_soon(client.call_tool, "agent_slow", {"message": "hi"}, None, on_progress)
            await started.wait()
            group.cancel_scope.cancel()

    anyio.run(_with_client, base_url, surface_key, work)
    run = Run.objects.get(project=surface_project)
    assert wait_until(lambda: run_status(run.pk) == "cancelled", timeout_s=20, what="the run to be cancelled")


def test_a_workflow_that_takes_a_message_answers(base_url, surface_project, surface_key):
    make_workflow(surface_project, chain(node("start", "start"), node("end", "end", inputs={"text": "$.input.message"})),
                  name="parrot", input_schema={"type": "object", "required": ["message"],
                                               "properties": {"message": {"type": "string"}}})
    api = OpenAI(base_url=f"{base_url}/v1", api_key=surface_key, max_retries=0, timeout=30)
    answer = api.chat.completions.create(model="workflow:parrot", messages=[
        {"role": "user", "content": "earlier"}, {"role": "assistant", "content": "ok"},
        {"role": "user", "content": "squawk"}])
    assert answer.choices[0].message.content == "squawk"
    run = Run.objects.get(pk=answer.id.removeprefix("chatcmpl-"))
    assert run.kind == "workflow" and run.input == {"message": "squawk"}  # no `messages` in its schema
    streamed = api.chat.completions.create(model="workflow:parrot", stream=True,
                                           messages=[{"role": "user", "content": "again"}])
    assert "".join(c.choices[0].delta.content or "" for c in streamed if c.choices) == "again"
    assert "workflow:parrot" in {m.id for m in api.models.list()}
