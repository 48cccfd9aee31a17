"""A timeout stops the work where it can, and a worker never accumulates timed-out threads without
bound (`runtime.bounded_call`): sandboxed code is killed, work that honours its cancel token ends
at the timeout, and pure-Python work that cannot be stopped is capped at `max_abandoned()`
threads, past which new calls are refused with `worker_saturated`."""
from __future__ import annotations

import threading
import time
from dataclasses import replace
from typing import Any

import pytest

from runtime import bounded_call
from runtime.agent.context import NullSink
from runtime.errors import NodeFailed, NodeTimeout, WorkerSaturated
from runtime.events import NullTracer
from runtime.graph import GraphServices, run_graph
from runtime.store import MemoryLedger
from runtime.tools.base import ToolContext, ToolSpec
from runtime.tools.code import CodeTool
from runtime.tools.executor import call_tool
from runtime.tools.sandbox import SandboxLimits
from tests.runtime.graph.graphs import chain, node
from tests.runtime.tools.sandbox_helpers import (
    become_subreaper,
    needs_bwrap,
    processes_running,
    sandbox_processes,
)

LIMIT = 4


@pytest.fixture(autouse=True)
def small_limit():
    # Threads of earlier tests may still be finishing: start from none.
    wait_for(lambda: bounded_call.abandoned_threads() == 0, "earlier abandoned threads to end")
    bounded_call.set_max_abandoned(LIMIT)
    yield
    bounded_call.set_max_abandoned(None)


def wait_for(condition, what: str, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


class BlockingTool:
    """Pure Python that ignores its deadline and token: blocks until `release` is set."""

    def __init__(self, release: threading.Event, timeout_s: float = 0.05) -> None:
        self.release = release
        self.spec = ToolSpec(name="blocking", description="", input_schema={"type": "object"}, timeout_s=timeout_s)

    def invoke(self, input: dict[str, Any], ctx: ToolContext) -> Any:
        self.release.wait(30)
        return {"ok": True}


class PollingTool:
    """Pure Python that checks its cancel token (and not the deadline): stops once told to."""

    def __init__(self) -> None:
        self.stopped = 0
        self.spec = ToolSpec(name="polling", description="", input_schema={"type": "object"}, timeout_s=0.05)

    def invoke(self, input: dict[str, Any], ctx: ToolContext) -> Any:
        while not ctx.cancel.is_cancelled():
            time.sleep(0.005)
        self.stopped += 1
        return {"stopped": True}


def call(tool, key: str = "k"):
    return call_tool(tool, {}, key=key, ctx=ToolContext(idempotency_key=key), ledger=MemoryLedger(), sink=NullSink(),
                     tracer=NullTracer())


def test_after_many_timeouts_of_unstoppable_tools_the_thread_count_is_bounded():
    release = threading.Event()
    tool = BlockingTool(release)
    baseline = threading.active_count()
    try:
        outcomes = [call(tool, f"k{i}") for i in range(25)]
        types = [o.error["type"] for o in outcomes]
        assert types[:LIMIT] == ["tool_timeout"] * LIMIT
        assert types[LIMIT:] == ["worker_saturated"] * (25 - LIMIT)
        assert outcomes[-1].error["details"] == {"abandoned_threads": LIMIT, "limit": LIMIT}
        assert bounded_call.abandoned_threads() == LIMIT
        assert threading.active_count() <= baseline + LIMIT
    finally:
        release.set()
    wait_for(lambda: bounded_call.abandoned_threads() == 0, "released threads to end")
    release_again = threading.Event()
    release_again.set()
    assert call(BlockingTool(release_again, timeout_s=5), "after").output == {"ok": True}
    assert threading.active_count() <= baseline


def test_a_saturated_worker_is_a_retryable_typed_error():
    assert WorkerSaturated.code == "worker_saturated" and WorkerSaturated.retryable


def test_a_tool_that_honours_its_token_is_stopped_at_the_timeout_and_leaves_no_thread():
    tool = PollingTool()
    baseline = threading.active_count()
    for i in range(3 * LIMIT):  # more than the cap: none of them is left running
        assert call(tool, f"p{i}").error["type"] == "tool_timeout"
    wait_for(lambda: tool.stopped == 3 * LIMIT, "every call to see its cancelled token")
    assert bounded_call.abandoned_threads() == 0
    wait_for(lambda: threading.active_count() <= baseline, "tool threads to end")


@needs_bwrap
def test_timed_out_sandboxed_code_is_killed():
    become_subreaper()
    tool = CodeTool(limits=SandboxLimits(wall_s=60, cpu_s=60))
    tool.spec = replace(tool.spec, timeout_s=1.0)  # the executor's timeout, well before the sandbox's own
    started = time.monotonic()
    outcome = call_tool(tool, {"code": "while True:\n    pass"}, key="spin", ctx=ToolContext(idempotency_key="spin"),
                        ledger=MemoryLedger(), sink=NullSink(), tracer=NullTracer())
    assert outcome.error["type"] == "tool_timeout"
    assert time.monotonic() - started < 10
    # Only the sandbox's own processes count: in the whole suite this process has other descendants
    # (servers of earlier tests, re-parented to it as the subreaper).
    wait_for(lambda: not sandbox_processes() and not processes_running("bwrap"), "the sandbox processes to be gone")
    assert bounded_call.abandoned_threads() == 0


class TokenAwareInvoker:
    """A tool service for graph nodes: waits on the node's cancel token (as HTTP, MCP and the sandbox do)."""

    def __init__(self) -> None:
        self.stopped = 0

    def invoke(self, tool_name: str, input: dict, *, config: dict, key: str, ctx) -> Any:
        while not ctx.cancel.is_cancelled():
            time.sleep(0.005)
        assert ctx.deadline is not None and ctx.deadline <= time.monotonic() + 0.5  # the node's, not the run's
        self.stopped += 1
        return {}


class BlockingInvoker:
    def __init__(self, release: threading.Event) -> None:
        self.release = release

    def invoke(self, tool_name: str, input: dict, *, config: dict, key: str, ctx) -> Any:
        self.release.wait(30)
        return {}


def one_node(timeout_s: float) -> dict:
    return chain(node("start", "start"), node("call", "tool", {"tool": "t"}, timeout_s=timeout_s), node("end", "end"))


def test_a_timed_out_node_cancels_its_services():
    invoker = TokenAwareInvoker()
    for _ in range(2 * LIMIT):
        with pytest.raises(NodeFailed) as failed:
            run_graph(one_node(0.1), {}, run_id="r", services=GraphServices(tools=invoker))
        assert isinstance(failed.value.cause, NodeTimeout)
    wait_for(lambda: invoker.stopped == 2 * LIMIT, "every timed-out node's service to stop")
    assert bounded_call.abandoned_threads() == 0


def test_unstoppable_timed_out_nodes_are_capped_and_then_refused():
    release = threading.Event()
    baseline = threading.active_count()
    causes = []
    try:
        for _ in range(LIMIT + 3):
            with pytest.raises(NodeFailed) as failed:
                run_graph(one_node(0.05), {}, run_id="r", services=GraphServices(tools=BlockingInvoker(release)))
            causes.append(type(failed.value.cause))
        assert causes == [NodeTimeout] * LIMIT + [WorkerSaturated] * 3
        assert bounded_call.abandoned_threads() == LIMIT
        assert threading.active_count() <= baseline + LIMIT + 1  # the run's own pool may keep one thread
    finally:
        release.set()
    wait_for(lambda: bounded_call.abandoned_threads() == 0, "released node threads to end")
