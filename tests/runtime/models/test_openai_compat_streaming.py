"""The OpenAI-compatible adapter against a real HTTP server: streaming text and structured output."""
from __future__ import annotations

from runtime.models.base import Message, ModelRequest
from runtime.models.openai_compat import OpenAICompatModel
from tests.runtime.models.http_server import ScriptedHTTPServer, json_reply, sse_reply
from tests.runtime.models.wire_frames import openai_text_stream


def _model(server: ScriptedHTTPServer) -> OpenAICompatModel:
    return OpenAICompatModel(api_key="sk-test", base_url=server.url + "/v1", provider="compat:test")


def test_streams_text_as_deltas_and_reports_usage(server: ScriptedHTTPServer) -> None:
    server.queue(sse_reply(openai_text_stream(["Hel", "lo ", "world"], usage=(11, 7))))
    deltas: list[str] = []

    response = _model(server).complete(
        ModelRequest(model="qwen2.5", messages=[Message("system", "Be brief."), Message("user", "Hi")]), deltas.append)

    assert deltas == ["Hel", "lo ", "world"]
    assert response.text == "Hello world"
    assert (response.usage.input_tokens, response.usage.output_tokens) == (11, 7)
    assert response.finish_reason == "stop"
    sent = server.received[0]
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == "Bearer sk-test"
    assert sent.body["stream"] is True and sent.body["stream_options"] == {"include_usage": True}
    assert sent.body["messages"] == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]


def test_asks_for_structured_output_with_a_json_schema_response_format(server: ScriptedHTTPServer) -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    server.queue(sse_reply(openai_text_stream(['{"city": ', '"Paris"}'])))

    response = _model(server).complete(ModelRequest(model="m", messages=[Message("user", "Where?")],
                                                    response_format=schema, temperature=0.0, max_tokens=50))

    assert response.text == '{"city": "Paris"}'
    body = server.received[0].body
    assert body["response_format"] == {"type": "json_schema",
                                       "json_schema": {"name": "output", "schema": schema, "strict": False}}
    assert body["temperature"] == 0.0 and body["max_tokens"] == 50


def test_non_streaming_request_returns_the_whole_message(server: ScriptedHTTPServer) -> None:
    server.queue(json_reply({
        "id": "c1", "object": "chat.completion", "created": 1, "model": "m",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "Hi there"}}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}}))
    deltas: list[str] = []

    response = _model(server).complete(ModelRequest(model="m", messages=[Message("user", "Hi")], stream=False),
                                       deltas.append)

    assert response.text == "Hi there" and deltas == ["Hi there"]
    assert response.usage.input_tokens == 3 and response.usage.output_tokens == 2
    assert "stream" not in server.received[0].body or server.received[0].body["stream"] is False
