"""The OpenAI-compatible adapter maps HTTP failures to typed errors (no SDK retries)."""
from __future__ import annotations

import threading

import pytest

from runtime.errors import (
    ModelAuthError,
    ModelBadRequest,
    ModelMalformedResponse,
    ModelRateLimited,
    ModelServerError,
    ModelTimeout,
)
from runtime.models.base import Message, ModelRequest
from runtime.models.openai_compat import OpenAICompatModel
from runtime.models.router import ModelRouter
from runtime.retry import Backoff
from tests.runtime.models.http_server import Reply, ScriptedHTTPServer, json_reply, raw_reply, sse_reply
from tests.runtime.models.wire_frames import openai_text_stream

REQUEST = ModelRequest(model="m", messages=[Message("user", "Hi")])


def _model(server: ScriptedHTTPServer) -> OpenAICompatModel:
    return OpenAICompatModel(api_key="sk-test", base_url=server.url + "/v1", provider="compat:test")


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Reply:
    return json_reply({"error": {"message": message, "type": "x"}}, status=status, headers=headers)


def test_429_raises_rate_limited_with_retry_after_and_is_not_retried_by_the_sdk(server: ScriptedHTTPServer) -> None:
    server.queue(_error(429, "slow down", {"Retry-After": "3"}))

    with pytest.raises(ModelRateLimited) as caught:
        _model(server).complete(REQUEST)

    assert caught.value.retry_after == 3.0
    assert "slow down" in caught.value.message
    assert len(server.received) == 1


def test_router_waits_the_retry_after_then_succeeds(server: ScriptedHTTPServer) -> None:
    server.queue(_error(429, "slow down", {"Retry-After": "2"}), sse_reply(openai_text_stream(["ok"])))
    router = ModelRouter({"providers": {"compat:test": {"base_url": server.url + "/v1"}}})
    waits: list[float] = []

    routed = router.complete_with_fallbacks(["compat:test/m"], REQUEST, policy=Backoff(max_attempts=3, base_s=0.01),
                                            sleep=waits.append)

    assert routed.response.text == "ok"
    assert waits == [2.0]
    assert len(server.received) == 2


def test_500_raises_server_error(server: ScriptedHTTPServer) -> None:
    server.queue(_error(500, "boom"))

    with pytest.raises(ModelServerError) as caught:
        _model(server).complete(REQUEST)
    assert caught.value.retryable


def test_malformed_stream_raises_malformed_response(server: ScriptedHTTPServer) -> None:
    server.queue(sse_reply(['data: {"id": "x", "choices": [{"delta": \n\n', "data: [DONE]\n\n"]))

    with pytest.raises(ModelMalformedResponse):
        _model(server).complete(REQUEST)


def test_malformed_json_body_raises_malformed_response(server: ScriptedHTTPServer) -> None:
    server.queue(raw_reply(b"<html>gateway says hi</html"))

    with pytest.raises(ModelMalformedResponse):
        _model(server).complete(ModelRequest(model="m", messages=[Message("user", "Hi")], stream=False))


@pytest.mark.parametrize(("status", "error"), [(401, ModelAuthError), (403, ModelAuthError),
                                               (400, ModelBadRequest), (404, ModelBadRequest),
                                               (422, ModelBadRequest), (503, ModelServerError)])
def test_status_codes_map_to_typed_errors(server: ScriptedHTTPServer, status: int, error: type) -> None:
    server.queue(_error(status, "nope"))

    with pytest.raises(error):
        _model(server).complete(REQUEST)


def test_a_server_slower_than_the_call_timeout_raises_model_timeout(server: ScriptedHTTPServer) -> None:
    release = threading.Event()
    late = sse_reply(openai_text_stream(["late"]))
    late.hold = release
    server.queue(late)
    try:
        with pytest.raises(ModelTimeout):
            _model(server).complete(ModelRequest(model="m", messages=[Message("user", "Hi")], timeout_s=0.3))
    finally:
        release.set()


def test_connection_refused_raises_server_error() -> None:
    model = OpenAICompatModel(api_key="k", base_url="http://127.0.0.1:9/v1", provider="compat:down")

    with pytest.raises(ModelServerError):
        model.complete(REQUEST)
