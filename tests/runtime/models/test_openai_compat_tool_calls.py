"""The OpenAI-compatible adapter assembles tool calls from streamed fragments and sends
tool results back in the Chat Completions wire format."""
from __future__ import annotations

import pytest

from runtime.errors import ModelMalformedResponse
from runtime.models.base import Message, ModelRequest, ToolCall, ToolSchema
from runtime.models.openai_compat import OpenAICompatModel
from tests.runtime.models.http_server import ScriptedHTTPServer, sse_reply
from tests.runtime.models.wire_frames import openai_chunk

WEATHER = ToolSchema("get_weather", "Weather for a city",
                     {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]})


def _call_fragment(index: int, *, id: str | None = None, name: str | None = None, args: str = "") -> dict:
    function = {"arguments": args}
    if name:
        function["name"] = name
    fragment = {"index": index, "function": function}
    if id:
        fragment.update(id=id, type="function")
    return {"tool_calls": [fragment]}


def _model(server: ScriptedHTTPServer) -> OpenAICompatModel:
    return OpenAICompatModel(api_key="sk-test", base_url=server.url + "/v1", provider="compat:test")


def test_assembles_parallel_tool_calls_from_streamed_fragments(server: ScriptedHTTPServer) -> None:
    server.queue(sse_reply([
        openai_chunk({"role": "assistant", "content": None}),
        openai_chunk(_call_fragment(0, id="call_a", name="get_weather", args='{"ci')),
        openai_chunk(_call_fragment(1, id="call_b", name="get_weather", args='{"city": "Os')),
        openai_chunk(_call_fragment(0, args='ty": "Rome"}')),
        openai_chunk(_call_fragment(1, args='lo"}')),
        openai_chunk({}, finish="tool_calls"),
        openai_chunk(usage={"in": 20, "out": 12}),
        "data: [DONE]\n\n",
    ]))

    response = _model(server).complete(ModelRequest(model="m", messages=[Message("user", "Weather?")],
                                                    tools=[WEATHER]))

    assert response.tool_calls == [ToolCall("call_a", "get_weather", {"city": "Rome"}),
                                   ToolCall("call_b", "get_weather", {"city": "Oslo"})]
    assert response.finish_reason == "tool_calls"
    assert server.received[0].body["tools"] == [{"type": "function", "function": {
        "name": "get_weather", "description": "Weather for a city", "parameters": WEATHER.parameters}}]


def test_sends_assistant_tool_calls_and_tool_results_in_wire_format(server: ScriptedHTTPServer) -> None:
    server.queue(sse_reply([openai_chunk({"content": "Sunny."}), openai_chunk({}, finish="stop"), "data: [DONE]\n\n"]))
    history = [Message("user", "Weather in Rome?"),
               Message("assistant", None, [ToolCall("call_a", "get_weather", {"city": "Rome"})]),
               Message("tool", '{"sky": "sunny"}', tool_call_id="call_a", name="get_weather")]

    _model(server).complete(ModelRequest(model="m", messages=history, tools=[WEATHER]))

    assert server.received[0].body["messages"][1:] == [
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_a", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Rome"}'}}]},
        {"role": "tool", "tool_call_id": "call_a", "content": '{"sky": "sunny"}'},
    ]


def test_tool_call_arguments_that_are_not_json_are_a_malformed_response(server: ScriptedHTTPServer) -> None:
    server.queue(sse_reply([openai_chunk(_call_fragment(0, id="c", name="get_weather", args="{city: Rome")),
                            openai_chunk({}, finish="tool_calls"), "data: [DONE]\n\n"]))

    with pytest.raises(ModelMalformedResponse):
        _model(server).complete(ModelRequest(model="m", messages=[Message("user", "x")], tools=[WEATHER]))
