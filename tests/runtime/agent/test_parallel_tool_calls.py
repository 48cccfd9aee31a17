"""Several tool calls in one turn run in parallel; results go back in call order."""
from __future__ import annotations

import json
import threading

from runtime.agent import run_agent
from tests.runtime.agent.factories import FunctionTool, call, context, events, router_with, spec


def test_calls_of_one_turn_run_concurrently_and_results_keep_call_order() -> None:
    all_running = threading.Barrier(3, timeout=5)  # breaks unless the three calls overlap

    def lookup(i: dict, ctx: object) -> dict:
        all_running.wait()
        return {"city": i["city"], "key": ctx.idempotency_key}

    tool = FunctionTool("lookup", lookup)
    router = router_with(main=[{"tool_calls": [call("lookup", "c1", city="Oslo"), call("lookup", "c2", city="Rome"),
                                               call("lookup", "c3", city="Lima")]},
                               {"text": "done"}])
    ctx = context(router, tools={"lookup": tool}, run_id="run_p")

    result = run_agent(spec(), {"message": "three cities"}, ctx=ctx)

    tool_messages = [m for m in result.messages if m.role == "tool"]
    assert [m.tool_call_id for m in tool_messages] == ["c1", "c2", "c3"]
    assert [json.loads(m.content) for m in tool_messages] == [
        {"city": "Oslo", "key": "run_p:turn1:call0"}, {"city": "Rome", "key": "run_p:turn1:call1"},
        {"city": "Lima", "key": "run_p:turn1:call2"}]
    assert len(events(ctx, "tool.completed")) == 3
    assert all("error" not in e["data"] for e in events(ctx, "tool.completed"))
