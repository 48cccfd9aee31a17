"""Cancellation is checked between steps: a run cancelled mid-way stops before its next turn."""
from __future__ import annotations

import pytest

from runtime.agent import run_agent
from runtime.errors import Cancelled
from runtime.store import CancelFlag
from tests.runtime.agent.factories import FunctionTool, call, context, router_with, spec


def test_cancelling_during_a_tool_call_stops_the_run_before_the_next_model_turn() -> None:
    flag = CancelFlag()

    def cancel_run(i: dict, ctx: object) -> dict:
        flag.cancel()  # as the cancel API would, from another process
        return {"ok": True}

    router = router_with(main=[{"tool_calls": [call("work")]}, {"text": "should not be reached"}])
    ctx = context(router, tools={"work": FunctionTool("work", cancel_run)}, cancel=flag)

    with pytest.raises(Cancelled) as caught:
        run_agent(spec(), {"message": "go"}, ctx=ctx)

    assert caught.value.code == "cancelled"
    assert len(router.resolve("scripted/main")[0].requests) == 1
    assert ctx.checkpoints.keys["run_1"] == ["turn:0", "turn:1:model", "turn:1"]


def test_a_run_cancelled_before_it_starts_calls_no_model() -> None:
    flag = CancelFlag()
    flag.cancel()
    router = router_with(main=[{"text": "no"}])

    with pytest.raises(Cancelled):
        run_agent(spec(), {"message": "go"}, ctx=context(router, cancel=flag))

    assert router.resolve("scripted/main")[0].requests == []
