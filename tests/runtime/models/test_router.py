"""Model refs, fallbacks across providers, and the response cache."""
from __future__ import annotations

import pytest

from runtime.errors import ModelAuthError, ModelBadRequest, ModelServerError, ModelUnavailable
from runtime.models.base import Message, ModelRequest
from runtime.models.cache import MemoryResponseCache, request_key
from runtime.models.openai_compat import OpenAICompatModel
from runtime.models.router import ModelRouter, parse_ref
from runtime.models.scripted import ScriptedModel
from runtime.retry import Backoff
from tests.runtime.models.http_server import ScriptedHTTPServer, json_reply, sse_reply
from tests.runtime.models.wire_frames import openai_text_stream

REQUEST = ModelRequest(model="", messages=[Message("user", "Hi")])
NO_WAIT = Backoff(max_attempts=2, base_s=0.0)


@pytest.mark.parametrize(("ref", "expected"), [
    ("openai/gpt-4.1-mini", ("openai", "gpt-4.1-mini")),
    ("local/default", ("local", "default")),
    ("scripted/demo", ("scripted", "demo")),
    ("compat:vllm/meta-llama/Llama-3.1-8B", ("compat:vllm", "meta-llama/Llama-3.1-8B")),
])
def test_parses_model_refs(ref: str, expected: tuple[str, str]) -> None:
    assert parse_ref(ref) == expected


def test_rejects_a_ref_without_a_model() -> None:
    with pytest.raises(ModelBadRequest):
        parse_ref("gpt-4o")


def test_resolves_compat_providers_from_config_and_reuses_the_adapter() -> None:
    router = ModelRouter({"providers": {"compat:ollama": {"base_url": "http://127.0.0.1:11434/v1"}}})

    model, name = router.resolve("compat:ollama/llama3.2")

    assert isinstance(model, OpenAICompatModel) and name == "llama3.2"
    assert router.resolve("compat:ollama/qwen2.5")[0] is model


def test_unconfigured_provider_and_missing_openai_key_are_unavailable() -> None:
    router = ModelRouter({"providers": {}})
    with pytest.raises(ModelUnavailable):
        router.resolve("compat:nowhere/m")
    with pytest.raises(ModelUnavailable, match="OPENAI_API_KEY"):
        router.resolve("openai/gpt-4.1-mini")


def test_falls_back_from_a_failing_http_server_to_the_next_ref(server: ScriptedHTTPServer) -> None:
    server.queue(json_reply({"error": {"message": "down"}}, status=500),
                 json_reply({"error": {"message": "down"}}, status=502))
    router = ModelRouter({"providers": {"compat:flaky": {"base_url": server.url + "/v1"}},
                          "scripted": {"backup": [{"text": "from backup"}]}})

    routed = router.complete_with_fallbacks(["compat:flaky/m", "scripted/backup"], REQUEST, policy=NO_WAIT,
                                            sleep=lambda s: None)

    assert routed.ref == "scripted/backup" and routed.response.text == "from backup"
    assert len(server.received) == 2 and routed.attempts == 3
    assert [f["ref"] for f in routed.failures] == ["compat:flaky/m", "compat:flaky/m"]


def test_non_retryable_errors_do_not_fall_back() -> None:
    router = ModelRouter(models={"scripted/a": ScriptedModel([{"error": "model_auth_error"}]),
                                 "scripted/b": ScriptedModel([{"text": "b"}])})

    with pytest.raises(ModelAuthError):
        router.complete_with_fallbacks(["scripted/a", "scripted/b"], REQUEST, policy=NO_WAIT)


def test_every_ref_failing_raises_the_last_error() -> None:
    router = ModelRouter(models={"scripted/a": ScriptedModel([{"error": "model_server_error"}] * 5)})

    with pytest.raises(ModelServerError):
        router.complete_with_fallbacks(["scripted/a"], REQUEST, policy=NO_WAIT, sleep=lambda s: None)


def test_response_cache_answers_the_same_request_without_calling_the_provider(server: ScriptedHTTPServer) -> None:
    server.queue(sse_reply(openai_text_stream(["cached answer"])))
    router = ModelRouter({"providers": {"compat:srv": {"base_url": server.url + "/v1"}}})
    cache = MemoryResponseCache()

    first = router.complete_with_fallbacks(["compat:srv/m"], REQUEST, cache=cache, cache_ttl_s=60)
    second = router.complete_with_fallbacks(["compat:srv/m"], REQUEST, cache=cache, cache_ttl_s=60)

    assert (first.cached, second.cached) == (False, True)
    assert second.response.text == first.response.text == "cached answer"
    assert len(server.received) == 1


def test_cache_key_covers_the_request_but_not_run_metadata() -> None:
    base = ModelRequest(model="m", messages=[Message("user", "Hi")], metadata={"run_id": "a", "turn": 1})
    other_run = ModelRequest(model="m", messages=[Message("user", "Hi")], metadata={"run_id": "b", "turn": 3})
    other_text = ModelRequest(model="m", messages=[Message("user", "Hi!")])

    assert request_key("scripted/x", base) == request_key("scripted/x", other_run)
    assert request_key("scripted/x", base) != request_key("scripted/x", other_text)
    assert request_key("scripted/x", base) != request_key("scripted/y", base)


def test_memory_cache_entries_expire() -> None:
    now = [100.0]
    cache = MemoryResponseCache(clock=lambda: now[0])
    cache.set("k", {"text": "v"}, ttl_s=10)

    assert cache.get("k") == {"text": "v"}
    now[0] = 111.0
    assert cache.get("k") is None
