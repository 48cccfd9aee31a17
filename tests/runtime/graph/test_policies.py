"""Per-node policies (retries with backoff, timeouts, error routes) and per-run limits."""
from __future__ import annotations

import threading

import pytest

from runtime.errors import (
    BudgetExceeded,
    Cancelled,
    NodeFailed,
    NodeTimeout,
    RunTimedOut,
    StepLimitExceeded,
    ToolError,
    ToolTimeout,
)
from runtime.events import CollectingSink
from runtime.graph import GraphServices, RunLimits, run_graph
from runtime.store import CancelFlag
from tests.runtime.graph.fakes import LedgerToolInvoker, ScriptedModel
from tests.runtime.graph.graphs import chain, graph, node


def flaky(failures: list[Exception], result: dict | None = None) -> tuple[list[int], object]:
    calls: list[int] = []

    def tool(_: dict) -> dict:
        calls.append(1)
        if failures:
            raise failures.pop(0)
        return result or {"ok": True}

    return calls, tool


def one_tool_graph(**policy: object) -> dict:
    return chain(node("start", "start"), node("call", "tool", {"tool": "t"}, **policy), node("end", "end"))


def test_retryable_errors_are_retried_with_backoff(sink: CollectingSink) -> None:
    calls, tool = flaky([ToolTimeout("slow"), ToolTimeout("slow again")])
    result = run_graph(one_tool_graph(retry={"max_attempts": 3, "backoff_s": 0.01}), {}, run_id="r", sink=sink,
                       services=GraphServices(tools=LedgerToolInvoker({"t": tool})))
    assert result.output == {"ok": True}
    assert len(calls) == 3
    retries = [e["data"] for e in sink.events if e["type"] == "node.retrying"]
    assert [r["delay_s"] for r in retries] == [0.01, 0.02]


def test_retries_stop_at_max_attempts() -> None:
    calls, tool = flaky([ToolTimeout("1"), ToolTimeout("2"), ToolTimeout("3")])
    with pytest.raises(NodeFailed) as info:
        run_graph(one_tool_graph(retry={"max_attempts": 2, "backoff_s": 0}), {}, run_id="r",
                  services=GraphServices(tools=LedgerToolInvoker({"t": tool})))
    assert len(calls) == 2 and isinstance(info.value.cause, ToolTimeout)


def test_non_retryable_errors_are_not_retried() -> None:
    calls, tool = flaky([ToolError("bad request")])
    with pytest.raises(NodeFailed):
        run_graph(one_tool_graph(retry={"max_attempts": 5, "backoff_s": 0}), {}, run_id="r",
                  services=GraphServices(tools=LedgerToolInvoker({"t": tool})))
    assert len(calls) == 1


def test_a_node_exceeding_its_timeout_fails_with_a_timeout_error() -> None:
    release = threading.Event()

    def stuck(_: dict) -> dict:
        release.wait(5)
        return {}

    try:
        with pytest.raises(NodeFailed) as info:
            run_graph(one_tool_graph(timeout_s=0.2, retry={"max_attempts": 3, "backoff_s": 0}), {}, run_id="r",
                      services=GraphServices(tools=LedgerToolInvoker({"t": stuck})))
    finally:
        release.set()
    assert isinstance(info.value.cause, NodeTimeout)
    assert info.value.to_dict()["details"]["cause"]["type"] == "node_timeout"


def test_a_timed_out_pure_node_is_retried() -> None:
    model_calls: list[int] = []
    release = threading.Event()

    def reply(messages: list) -> str:
        model_calls.append(1)
        if len(model_calls) == 1:
            release.wait(5)
        return "late" if len(model_calls) == 1 else "fresh"

    g = chain(node("start", "start"), node("ask", "prompt", {"model": "m", "prompt": "hi"}, timeout_s=0.2,
                                           retry={"max_attempts": 2, "backoff_s": 0}), node("end", "end"))
    try:
        result = run_graph(g, {}, run_id="r", services=GraphServices(models=ScriptedModel(reply)))
    finally:
        release.set()
    assert result.output == {"text": "fresh"}


def test_an_error_route_sends_the_failure_to_a_handler(sink: CollectingSink) -> None:
    _, tool = flaky([ToolError("card declined")])
    g = graph([node("start", "start"), node("charge", "tool", {"tool": "t"}, on_error="route"),
               node("receipt", "transform", inputs={"paid": True}),
               node("apologise", "transform", inputs={"why": "$.nodes.charge.error.message"}),
               node("end", "end")],
              [("start", "charge"), ("charge", "receipt"), ("charge", "apologise", "on_error"),
               ("receipt", "end"), ("apologise", "end")])
    result = run_graph(g, {}, run_id="r", sink=sink, services=GraphServices(tools=LedgerToolInvoker({"t": tool})))
    assert result.status == "succeeded"
    assert result.output == {"why": "card declined"}
    assert result.state["nodes"]["charge"]["status"] == "failed"
    assert {e["node_id"] for e in sink.events if e["type"] == "node.skipped"} == {"receipt"}
    charge_events = [e["type"] for e in sink.events if e["node_id"] == "charge" and e["type"].startswith("node.")]
    assert charge_events == ["node.started", "node.failed", "node.routed"]


def test_without_a_route_the_run_fails_with_the_node_error() -> None:
    _, tool = flaky([ToolError("card declined")])
    with pytest.raises(NodeFailed) as info:
        run_graph(one_tool_graph(), {}, run_id="r", services=GraphServices(tools=LedgerToolInvoker({"t": tool})))
    assert info.value.node_id == "call"
    assert info.value.to_dict()["details"]["cause"] == {"type": "tool_error", "message": "card declined"}


def long_chain(length: int) -> dict:
    return chain(node("start", "start"), *[node(f"n{i}", "transform", inputs={"i": i}) for i in range(length)],
                 node("end", "end"))


def test_step_limit_stops_the_run() -> None:
    with pytest.raises(StepLimitExceeded):
        run_graph(long_chain(10), {}, run_id="r", limits=RunLimits(max_steps=5))
    assert run_graph(long_chain(3), {}, run_id="r", limits=RunLimits(max_steps=5)).steps == 5


def test_cost_limit_stops_the_run_after_the_node_that_crossed_it() -> None:
    g = chain(node("start", "start"), node("a", "prompt", {"model": "m", "prompt": "1"}),
              node("b", "prompt", {"model": "m", "prompt": "2"}), node("c", "prompt", {"model": "m", "prompt": "3"}),
              node("end", "end"))
    model = ScriptedModel(lambda messages: "ok", cost_usd=0.02)
    with pytest.raises(BudgetExceeded):
        run_graph(g, {}, run_id="r", services=GraphServices(models=model), limits=RunLimits(max_cost_usd=0.03))
    assert len(model.calls) == 2


def test_run_time_limit_bounds_a_running_node() -> None:
    release = threading.Event()

    def stuck(_: dict) -> dict:
        release.wait(5)
        return {}

    try:
        with pytest.raises(RunTimedOut):
            run_graph(one_tool_graph(), {}, run_id="r", limits=RunLimits(timeout_s=0.2),
                      services=GraphServices(tools=LedgerToolInvoker({"t": stuck})))
    finally:
        release.set()


def test_cancellation_is_honoured_between_nodes() -> None:
    flag = CancelFlag()

    def cancel_now(_: dict) -> dict:
        flag.cancel()
        return {}

    g = chain(node("start", "start"), node("a", "tool", {"tool": "t"}), node("b", "transform"), node("end", "end"))
    sink = CollectingSink()
    with pytest.raises(Cancelled):
        run_graph(g, {}, run_id="r", cancel=flag, sink=sink,
                  services=GraphServices(tools=LedgerToolInvoker({"t": cancel_now})))
    assert "b" not in {e["node_id"] for e in sink.events}
