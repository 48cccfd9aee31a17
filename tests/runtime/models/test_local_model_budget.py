"""The local model's generation is bounded: a tool action it cannot finish is a clear,
non-retried error within seconds; loops are cut; a chosen answer is written as free text."""
from __future__ import annotations

import importlib.util
import time

import pytest

from runtime.agent import AgentContext, AgentSpec, Limits, run_agent
from runtime.errors import ModelError
from runtime.events import CollectingSink, CollectingTracer
from runtime.models.base import Message, ModelRequest, ToolSchema
from runtime.models.local_prompt import answer_chosen, offered_call
from runtime.models.router import ModelRouter
from runtime.tools.kv import KVTool, MemoryKVStore

needs_llama = pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None,
                                 reason="llama-cpp-python is not installed (pip install -r requirements-local.txt)")

WEATHER = ToolSchema("get_weather", "Current weather for a city",
                     {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]})


def test_repetition_is_detected_in_the_tail_only():
    from runtime.models.local import repeats_itself

    assert repeats_itself(["Paris", " is", " nice", ".", "\\n"] * 6)
    assert repeats_itself(["ha"] * 24)
    assert not repeats_itself(["ha"] * 10)
    assert not repeats_itself(["Paris", " has", " the", " Eiffel", " Tower", ",", " the", " Louvre", " and",
                               " Notre", "-", "Dame", "."] * 2)
    assert not repeats_itself([" "] * 40)  # whitespace runs are not a loop of content


def test_an_answer_is_recognised_from_its_first_tokens():
    assert answer_chosen('{"answer": "')
    assert answer_chosen(' { "answer" :')
    assert not answer_chosen('{"tool": "kv"')
    assert not answer_chosen('{"ans')


def test_a_free_action_counts_only_as_a_valid_call_of_an_offered_tool():
    assert offered_call('{"tool": "get_weather", "arguments": {"city": "Rome"}}', [WEATHER])
    assert offered_call('{"tool": "get_time", "arguments": {}}', [WEATHER]) is None  # not offered
    assert offered_call('{"tool": "get_weather", "arguments": {"town": 1}}', [WEATHER]) is None
    assert offered_call('{"tool": "get_weather", "arguments": {"city": "Ro', [WEATHER]) is None


@needs_llama
@pytest.mark.slow
def test_an_action_past_its_budget_is_a_non_retryable_error_within_seconds():
    from runtime.models.local import LocalActionIncomplete

    router = ModelRouter({"providers": {"local": {"action_max_tokens": 6}}})  # far too few for a tool call
    attempts: list[int] = []

    def attempt(ref, model, request, on_delta, number):
        attempts.append(number)
        return model.complete(request, on_delta)

    started = time.monotonic()
    with pytest.raises(LocalActionIncomplete) as err:
        router.complete_with_fallbacks(["local/default"], ModelRequest(
            model="", messages=[Message("user", "What's the weather in Berlin?")], tools=[WEATHER], timeout_s=60),
            run_attempt=attempt)
    assert time.monotonic() - started < 30
    assert attempts == [1], "the router must not retry a deterministic local failure"
    assert err.value.retryable is False
    assert err.value.details["budget_tokens"] == 6
    assert "tool call" in err.value.message


@needs_llama
@pytest.mark.slow
def test_the_tool_using_local_agent_ends_within_60_s_with_an_answer_or_a_clear_error():
    """The issue's case: "Tell me three facts about Paris, one per line." with `kv`, on local/default."""
    router = ModelRouter({})
    sink, tracer = CollectingSink(), CollectingTracer()
    ctx = AgentContext(run_id="paris", router=router, tools={"kv": KVTool()}, sink=sink, tracer=tracer,
                       services={"kv": MemoryKVStore()}, project_id="p1")
    started = time.monotonic()
    try:
        result = run_agent(AgentSpec(instructions="You are a concise, helpful assistant.", model="local/default",
                                     limits=Limits(max_steps=4)),
                           {"message": "Tell me three facts about Paris, one per line."}, ctx=ctx)
        outcome: object = result.output["text"]
    except ModelError as exc:
        outcome = exc
    elapsed = time.monotonic() - started

    assert elapsed < 60, f"took {elapsed:.1f} s"
    failed = [span for span in tracer.spans if span.kind == "model" and span.status == "error"]
    if isinstance(outcome, ModelError):
        assert outcome.retryable is False and outcome.message.startswith("local:")
        assert len(failed) == 1, "a deterministic local failure must not be retried"
    else:
        assert isinstance(outcome, str) and outcome.strip()
