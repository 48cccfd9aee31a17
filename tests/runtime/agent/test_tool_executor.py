"""`call_tool`: validation, ledger, approval, side-effect safety, timeouts, retries, events."""
from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from runtime.errors import Handoff, ToolRateLimited, WaitingForInput
from runtime.events import CollectingSink, CollectingTracer
from runtime.store import MemoryLedger
from runtime.tools.base import RetryPolicy, ToolContext
from runtime.tools.executor import ToolOutcome, call_tool
from tests.runtime.agent.factories import NUMBERS, FunctionTool, add_tool


def _call(tool: FunctionTool, input: dict[str, Any], *, key: str = "run:turn1:call0", ledger: MemoryLedger | None = None,
          sink: CollectingSink | None = None, tracer: CollectingTracer | None = None,
          deadline: float | None = None) -> ToolOutcome:
    return call_tool(tool, input, key=key, ctx=ToolContext(idempotency_key=key, deadline=deadline),
                     ledger=ledger if ledger is not None else MemoryLedger(), sink=sink or CollectingSink(),
                     tracer=tracer or CollectingTracer(), sleep=lambda s: None)


def test_runs_the_tool_and_reports_events_and_a_span() -> None:
    sink, tracer = CollectingSink(), CollectingTracer()

    outcome = _call(add_tool(), {"a": 2, "b": 5}, sink=sink, tracer=tracer)

    assert outcome.ok and outcome.output == {"sum": 7} and not outcome.cached
    assert sink.types() == ["tool.started", "tool.completed"]
    assert sink.events[1]["data"]["output"] == {"sum": 7}
    assert [(s.kind, s.name, s.status) for s in tracer.spans] == [("tool", "add", "ok")]
    assert sink.events[0]["span_id"] == tracer.spans[0].id


def test_invalid_input_is_an_error_outcome_and_the_tool_is_not_called() -> None:
    tool = add_tool()

    outcome = _call(tool, {"a": 1})

    assert outcome.error["type"] == "tool_input_invalid" and tool.calls == []
    assert "'b' is a required property" in outcome.error["details"]["errors"][0]


def test_a_recorded_result_is_returned_without_calling_again() -> None:
    tool, ledger = add_tool(), MemoryLedger()
    _call(tool, {"a": 1, "b": 1}, ledger=ledger)

    again = _call(tool, {"a": 1, "b": 1}, ledger=ledger)

    assert again.cached and again.output == {"sum": 2} and len(tool.calls) == 1


def test_output_not_matching_the_output_schema_is_an_error() -> None:
    tool = FunctionTool("bad", lambda i, c: {"sum": "two"}, input_schema=NUMBERS,
                        output_schema={"type": "object", "properties": {"sum": {"type": "number"}}})

    assert _call(tool, {"a": 1, "b": 1}).error["type"] == "tool_output_invalid"


def test_a_tool_past_its_timeout_is_abandoned_with_tool_timeout() -> None:
    release = threading.Event()
    tool = FunctionTool("slow", lambda i, c: release.wait(10), timeout_s=0.05)
    started = time.monotonic()
    try:
        outcome = _call(tool, {})
    finally:
        release.set()

    assert outcome.error["type"] == "tool_timeout"
    assert time.monotonic() - started < 1


def test_the_callers_deadline_bounds_the_tool_too() -> None:
    release = threading.Event()
    tool = FunctionTool("slow", lambda i, c: release.wait(10), timeout_s=30)
    try:
        outcome = _call(tool, {}, deadline=time.monotonic() + 0.05)
    finally:
        release.set()

    assert outcome.error["type"] == "tool_timeout"


def _rate_limited_twice() -> FunctionTool:
    attempts = {"n": 0}

    def fn(i: dict, c: ToolContext) -> dict:
        attempts["n"] += 1
        if attempts["n"] <= 2:
            raise ToolRateLimited("busy")
        return {"attempts": attempts["n"]}

    return fn


def test_retryable_errors_are_retried_per_the_tools_policy() -> None:
    tool = FunctionTool("flaky", _rate_limited_twice(), retry=RetryPolicy(max_attempts=3, backoff_s=0.001))

    outcome = _call(tool, {})

    assert outcome.output == {"attempts": 3}


def test_side_effecting_tools_are_never_retried() -> None:
    tool = FunctionTool("send", _rate_limited_twice(), retry=RetryPolicy(max_attempts=3), side_effect="side_effecting")

    outcome = _call(tool, {})

    assert outcome.error["type"] == "tool_rate_limited" and len(tool.calls) == 1


def test_a_side_effecting_call_started_before_without_a_result_is_refused() -> None:
    tool, ledger = FunctionTool("send", lambda i, c: {"sent": True}, side_effect="side_effecting"), MemoryLedger()
    ledger.record_intent("run:turn1:call0")  # an earlier attempt started and died

    outcome = _call(tool, {}, ledger=ledger)

    assert outcome.error["type"] == "tool_outcome_unknown" and tool.calls == []


def test_approval_is_requested_then_a_rejection_is_reported_as_a_tool_error() -> None:
    tool, ledger, sink = FunctionTool("wire", lambda i, c: {"ok": True}, requires_approval=True), MemoryLedger(), CollectingSink()
    with pytest.raises(WaitingForInput) as caught:
        _call(tool, {"amount": 5}, ledger=ledger, sink=sink)
    assert caught.value.prompt == {"tool": "wire", "input": {"amount": 5}, "key": "run:turn1:call0",
                                   "call_id": "run:turn1:call0"}
    assert "tool.approval_requested" in sink.types()

    ledger.record_result("approval:run:turn1:call0", {"approved": False, "reason": "too much"})
    outcome = _call(tool, {"amount": 5}, ledger=ledger)

    assert outcome.error["message"] == "rejected by reviewer: too much" and tool.calls == []


def test_handoff_propagates_instead_of_becoming_a_tool_error() -> None:
    def hand_off(i: dict, c: ToolContext) -> dict:
        raise Handoff("other_agent", {"x": 1})

    with pytest.raises(Handoff) as caught:
        _call(FunctionTool("handoff", hand_off), {})
    assert caught.value.target == "other_agent"
