"""The official `openai` Python package against `/v1` on the live server: answers from scripted
agents, streamed and not, with tools and with history; errors in OpenAI's shape."""
from __future__ import annotations

import httpx
import openai
import pytest
from openai import OpenAI

from accounts import services
from agents import services as agent_services
from runs.models import Run
from tests.runs.factories import scripted_agent

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def client(base_url: str, key: str) -> OpenAI:
    return OpenAI(base_url=f"{base_url}/v1", api_key=key, max_retries=0, timeout=30)


def test_non_streamed_answer_is_a_normal_run(base_url, surface_project, surface_key):
    scripted_agent(surface_project, name="echo", script=[{"echo": True, "prefix": "You said: "}])
    raw = client(base_url, surface_key).chat.completions.with_raw_response.create(
        model="agent:echo", messages=[{"role": "user", "content": "hello there"}])
    completion = raw.parse()
    assert completion.choices[0].message.content == "You said: hello there"
    assert completion.choices[0].finish_reason == "stop"
    run = Run.objects.get(pk=raw.headers["x-run-id"])
    assert run.status == "succeeded" and run.project_id == surface_project.pk
    assert run.input == {"message": "hello there"} and run.metadata["surface"] == "openai"
    assert completion.id == f"chatcmpl-{run.pk}"
    assert completion.usage.prompt_tokens == run.usage["input_tokens"]
    assert completion.usage.completion_tokens == run.usage["output_tokens"]
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens > 0


def test_streamed_answer_arrives_in_chunks_with_usage(base_url, surface_project, surface_key):
    scripted_agent(surface_project, name="talker", script=[{"text": "one two three four five six seven eight"}])
    with client(base_url, surface_key).chat.completions.with_streaming_response.create(
            model="agent:talker", messages=[{"role": "user", "content": "count"}], stream=True,
            stream_options={"include_usage": True}) as response:
        run_id = response.headers["x-run-id"]
        chunks = list(response.parse())
    texts = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert len(texts) >= 2 and "".join(texts) == "one two three four five six seven eight"
    assert all(c.object == "chat.completion.chunk" and c.id == f"chatcmpl-{run_id}" for c in chunks)
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].choices == [] and chunks[-1].usage.total_tokens > 0
    run = Run.objects.get(pk=run_id)
    assert run.status == "succeeded" and chunks[-1].usage.completion_tokens == run.usage["output_tokens"]


def test_tool_using_agent_answers_after_its_tool_call(base_url, surface_project, surface_key):
    scripted_agent(surface_project, name="keeper", tools=["kv"], script=[
        {"tool_calls": [{"name": "kv", "arguments": {"op": "set", "key": "note", "value": "{message}"}}], "text": ""},
        {"text": "Stored: {message}"}])
    api = client(base_url, surface_key)
    completion = api.chat.completions.create(model="agent:keeper", messages=[{"role": "user", "content": "milk"}])
    assert completion.choices[0].message.content == "Stored: milk"
    assert completion.choices[0].message.tool_calls is None  # tools ran inside the agent
    run = Run.objects.get(pk=completion.id.removeprefix("chatcmpl-"))
    assert run.events.filter(type="tool.completed").count() == 1
    streamed = api.chat.completions.create(model="agent:keeper", stream=True,
                                           messages=[{"role": "user", "content": "eggs"}])
    assert "".join(c.choices[0].delta.content or "" for c in streamed if c.choices) == "Stored: eggs"


def test_history_and_system_messages_reach_the_agent(base_url, surface_project, surface_key):
    scripted_agent(surface_project, name="chat", script=[{"text": "noted"}])
    completion = client(base_url, surface_key).chat.completions.create(model="agent:chat", messages=[
        {"role": "system", "content": "Answer in French."},
        {"role": "user", "content": "My name is Ada."},
        {"role": "assistant", "content": "Hello Ada."},
        {"role": "user", "content": [{"type": "text", "text": "What is my name?"}]}])
    run = Run.objects.get(pk=completion.id.removeprefix("chatcmpl-"))
    assert run.input == {"message": "What is my name?", "messages": [
        {"role": "system", "content": "Answer in French."}, {"role": "user", "content": "My name is Ada."},
        {"role": "assistant", "content": "Hello Ada."}]}


def test_pins_a_version_or_an_environment(base_url, surface_project, surface_key):
    agent, _ = scripted_agent(surface_project, name="pinned", script=[{"text": "v1"}])
    v2, _ = agent_services.create_agent_version(agent=agent, body={
        "model": "scripted/pinned", "model_settings": {"script": [{"text": "v2"}]}})
    api = client(base_url, surface_key)
    ask = [{"role": "user", "content": "which?"}]
    assert api.chat.completions.create(model="agent:pinned", messages=ask).choices[0].message.content == "v2"
    assert api.chat.completions.create(model="agent:pinned@v1", messages=ask).choices[0].message.content == "v1"
    models = {m.id for m in api.models.list()}
    assert "agent:pinned" in models
    with pytest.raises(openai.NotFoundError) as missing_env:
        api.chat.completions.create(model="agent:pinned@prod", messages=ask)
    assert missing_env.value.body["code"] == "model_not_found"


def test_json_schema_response_format_checks_the_output(base_url, surface_project, surface_key):
    schema = {"type": "object", "required": ["city"], "properties": {"city": {"type": "string"}}}
    scripted_agent(surface_project, name="geo", output_schema=schema, script=[{"json": {"city": "Paris"}}])
    scripted_agent(surface_project, name="prose", script=[{"text": "Paris, I think"}])
    api = client(base_url, surface_key)
    fmt = {"type": "json_schema", "json_schema": {"name": "place", "schema": schema}}
    ask = [{"role": "user", "content": "capital of France?"}]
    answer = api.chat.completions.create(model="agent:geo", messages=ask, response_format=fmt)
    assert answer.choices[0].message.content == '{"city": "Paris"}'
    with pytest.raises(openai.UnprocessableEntityError) as mismatch:
        api.chat.completions.create(model="agent:prose", messages=ask, response_format=fmt)
    assert mismatch.value.body["code"] == "output_not_json" and mismatch.value.body["param"] == "response_format"


def test_errors_are_openai_shaped(base_url, surface_project, surface_key):
    scripted_agent(surface_project, name="echo")
    other = services.create_project(slug=f"{surface_project.slug}-other")
    scripted_agent(other, name="secret-agent")
    api = client(base_url, surface_key)
    ask = [{"role": "user", "content": "hi"}]
    for model in ("gpt-4o", "agent:nobody", "agent:secret-agent", "agent:echo@v9", "agent:echo@nowhere"):
        with pytest.raises(openai.NotFoundError) as unknown:
            api.chat.completions.create(model=model, messages=ask)
        assert unknown.value.body["code"] == "model_not_found" and unknown.value.body["param"] == "model"
        assert unknown.value.body["type"] == "invalid_request_error"
    with pytest.raises(openai.AuthenticationError) as bad_key:
        client(base_url, "ap_not-a-key").chat.completions.create(model="agent:echo", messages=ask)
    assert bad_key.value.body["code"] == "invalid_api_key"
    with pytest.raises(openai.BadRequestError) as no_user:
        api.chat.completions.create(model="agent:echo", messages=[{"role": "assistant", "content": "hi"}])
    assert no_user.value.body["param"] == "messages[0].role"
    with pytest.raises(openai.BadRequestError) as tools:
        api.chat.completions.create(model="agent:echo", messages=ask, tools=[
            {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}])
    assert tools.value.body["param"] == "tools"
    viewer = services.create_api_key(project=surface_project, name="viewer", role="viewer")[1]
    with pytest.raises(openai.PermissionDeniedError):
        client(base_url, viewer).chat.completions.create(model="agent:echo", messages=ask)
    assert not Run.objects.filter(project=surface_project).exists()  # no refused request made a run


@pytest.mark.parametrize("body, param", [
    (b"{not json", None),
    (b'{"messages": [{"role": "user", "content": "hi"}]}', "model"),
    (b'{"model": "agent:echo", "messages": "hi"}', "messages"),
    (b'{"model": "agent:echo", "messages": [{"role": "user", "content": 5}]}', "messages[0].content"),
    (b'{"model": "agent:echo", "messages": [{"role": "user", "content": "hi"}], "stream": "yes"}', "stream"),
])
def test_malformed_bodies_get_400_naming_the_parameter(base_url, surface_project, surface_key, body, param):
    response = httpx.post(f"{base_url}/v1/chat/completions", content=body, timeout=10, headers={
        "Authorization": f"Bearer {surface_key}", "Content-Type": "application/json"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"} and error["type"] == "invalid_request_error"
    assert error["param"] == param


def test_models_list_only_this_projects_targets(base_url, surface_project, surface_key):
    scripted_agent(surface_project, name="mine")
    other = services.create_project(slug=f"{surface_project.slug}-x")
    scripted_agent(other, name="theirs")
    ids = [m.id for m in client(base_url, surface_key).models.list()]
    assert "agent:mine" in ids and not any("theirs" in i for i in ids)
    unauthorised = httpx.get(f"{base_url}/v1/models", timeout=10)
    assert unauthorised.status_code == 401 and unauthorised.json()["error"]["type"] == "authentication_error"


def test_a_failed_run_is_an_openai_error_streamed_or_not(base_url, surface_project, surface_key):
    scripted_agent(surface_project, name="broken", script=[{"error": "model_bad_request", "message": "no such model"}])
    api = client(base_url, surface_key)
    ask = [{"role": "user", "content": "hi"}]
    with pytest.raises(openai.InternalServerError) as failed:
        api.chat.completions.create(model="agent:broken", messages=ask)
    assert failed.value.status_code == 502 and failed.value.body["type"] == "api_error"
    run = Run.objects.get(pk=failed.value.response.headers["x-run-id"])
    assert run.status == "failed" and run.pk in failed.value.body["message"]
    with pytest.raises(openai.APIError) as streamed:
        for _ in api.chat.completions.create(model="agent:broken", messages=ask, stream=True):
            pass
    assert "failed" in streamed.value.message
