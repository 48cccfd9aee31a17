"""The Anthropic Messages adapter against a real HTTP server: SSE text, tool_use blocks, errors."""
from __future__ import annotations

import pytest

from runtime.errors import ModelMalformedResponse, ModelRateLimited, ModelServerError
from runtime.models.anthropic import AnthropicModel
from runtime.models.base import Message, ModelRequest, ToolCall, ToolSchema
from tests.runtime.models.http_server import ScriptedHTTPServer, json_reply, sse_reply
from tests.runtime.models.wire_frames import anthropic_event as ev

WEATHER = ToolSchema("get_weather", "Weather for a city",
                     {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]})


def _model(server: ScriptedHTTPServer) -> AnthropicModel:
    return AnthropicModel(api_key="ak-test", base_url=server.url)


def _start(input_tokens: int = 9) -> str:
    return ev("message_start", {"message": {"id": "msg_1", "model": "claude-test", "role": "assistant",
                                            "content": [], "usage": {"input_tokens": input_tokens, "output_tokens": 1}}})


def test_streams_text_deltas_with_usage_and_sends_the_system_prompt_separately(server: ScriptedHTTPServer) -> None:
    server.queue(sse_reply([
        _start(9),
        ev("content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}}),
        ev("ping", {}),
        ev("content_block_delta", {"index": 0, "delta": {"type": "text_delta", "text": "Bonjour"}}),
        ev("content_block_delta", {"index": 0, "delta": {"type": "text_delta", "text": " !"}}),
        ev("content_block_stop", {"index": 0}),
        ev("message_delta", {"delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 4}}),
        ev("message_stop", {}),
    ]))
    deltas: list[str] = []

    response = _model(server).complete(
        ModelRequest(model="claude-test", messages=[Message("system", "Speak French."), Message("user", "Hi")]),
        deltas.append)

    assert deltas == ["Bonjour", " !"] and response.text == "Bonjour !"
    assert (response.usage.input_tokens, response.usage.output_tokens) == (9, 4)
    assert response.finish_reason == "stop"
    sent = server.received[0]
    assert sent.path == "/v1/messages" and sent.headers["x-api-key"] == "ak-test"
    assert sent.headers["anthropic-version"] == "2023-06-01"
    assert sent.body["system"] == "Speak French."
    assert sent.body["messages"] == [{"role": "user", "content": [{"type": "text", "text": "Hi"}]}]
    assert sent.body["stream"] is True and sent.body["max_tokens"] == 1024


def test_assembles_tool_use_blocks_and_sends_tool_results_as_user_blocks(server: ScriptedHTTPServer) -> None:
    server.queue(sse_reply([
        _start(),
        ev("content_block_start", {"index": 0, "content_block": {"type": "tool_use", "id": "toolu_1",
                                                                 "name": "get_weather", "input": {}}}),
        ev("content_block_delta", {"index": 0, "delta": {"type": "input_json_delta", "partial_json": '{"city": '}}),
        ev("content_block_delta", {"index": 0, "delta": {"type": "input_json_delta", "partial_json": '"Rome"}'}}),
        ev("content_block_stop", {"index": 0}),
        ev("message_delta", {"delta": {"stop_reason": "tool_use"}, "usage": {"output_tokens": 12}}),
        ev("message_stop", {}),
    ]))
    history = [Message("user", "Weather in Oslo?"),
               Message("assistant", None, [ToolCall("toolu_0", "get_weather", {"city": "Oslo"})]),
               Message("tool", '{"sky": "grey"}', tool_call_id="toolu_0", name="get_weather")]

    response = _model(server).complete(ModelRequest(model="claude-test", messages=history, tools=[WEATHER]))

    assert response.tool_calls == [ToolCall("toolu_1", "get_weather", {"city": "Rome"})]
    assert response.finish_reason == "tool_calls"
    body = server.received[0].body
    assert body["tools"] == [{"name": "get_weather", "description": "Weather for a city",
                              "input_schema": WEATHER.parameters}]
    assert body["messages"][1:] == [
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_0", "name": "get_weather",
                                           "input": {"city": "Oslo"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_0", "content": '{"sky": "grey"}'}]},
    ]


def test_structured_output_schema_is_stated_in_the_system_prompt(server: ScriptedHTTPServer) -> None:
    server.queue(json_reply({"id": "m", "model": "claude-test", "role": "assistant", "stop_reason": "end_turn",
                             "content": [{"type": "text", "text": '{"ok": true}'}],
                             "usage": {"input_tokens": 5, "output_tokens": 3}}))

    response = _model(server).complete(ModelRequest(model="claude-test", messages=[Message("user", "x")],
                                                    response_format={"type": "object"}, stream=False))

    assert response.text == '{"ok": true}'
    assert '{"type": "object"}' in server.received[0].body["system"]


def test_429_raises_rate_limited_with_retry_after(server: ScriptedHTTPServer) -> None:
    server.queue(json_reply({"type": "error", "error": {"type": "rate_limit_error", "message": "slow"}},
                            status=429, headers={"retry-after": "4"}))

    with pytest.raises(ModelRateLimited) as caught:
        _model(server).complete(ModelRequest(model="c", messages=[Message("user", "x")]))
    assert caught.value.retry_after == 4.0


def test_overloaded_and_server_errors_are_retryable_server_errors(server: ScriptedHTTPServer) -> None:
    server.queue(json_reply({"type": "error", "error": {"type": "overloaded_error", "message": "busy"}}, status=529),
                 sse_reply([_start(), ev("error", {"error": {"type": "api_error", "message": "mid-stream"}})]))

    for _ in range(2):
        with pytest.raises(ModelServerError) as caught:
            _model(server).complete(ModelRequest(model="c", messages=[Message("user", "x")]))
        assert caught.value.retryable


def test_malformed_event_data_raises_malformed_response(server: ScriptedHTTPServer) -> None:
    server.queue(sse_reply(["event: message_start\ndata: {not json\n\n"]))

    with pytest.raises(ModelMalformedResponse):
        _model(server).complete(ModelRequest(model="c", messages=[Message("user", "x")]))
