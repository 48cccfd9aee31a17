"""Resuming from checkpoints: continue after the last completed turn, never repeat a
completed tool call (idempotency key per run, turn and call index)."""
from __future__ import annotations

from typing import Any

import pytest

from runtime.agent import run_agent
from runtime.errors import ModelAuthError, WaitingForInput
from runtime.store import MemoryCheckpointStore, MemoryLedger
from tests.runtime.agent.factories import FunctionTool, add_tool, call, context, events, router_with, spec


class WorkerDied(Exception):
    """Stands for the worker process dying at a given checkpoint."""


class DyingCheckpointStore(MemoryCheckpointStore):
    """A real in-memory store whose worker 'dies' when it is about to write `die_at`."""

    def __init__(self, die_at: str) -> None:
        super().__init__()
        self.die_at: str | None = die_at

    def append_checkpoint(self, run_id: str, key: str, delta: dict[str, Any]) -> None:
        if key == self.die_at:
            self.die_at = None
            raise WorkerDied(key)
        super().append_checkpoint(run_id, key, delta)


def test_resumes_after_the_last_completed_turn_without_calling_the_model_for_it_again() -> None:
    tool = add_tool()
    store, ledger = MemoryCheckpointStore(), MemoryLedger()
    first = router_with(main=[{"tool_calls": [call("add", a=2, b=3)]}, {"error": "model_auth_error"}])
    with pytest.raises(ModelAuthError):
        run_agent(spec(), {"message": "2+3"}, ctx=context(first, tools={"add": tool}, checkpoints=store, ledger=ledger))

    second = router_with(main=[{"text": "unused turn 1"}, {"text": "2+3 is 5"}])
    result = run_agent(spec(), {"message": "2+3"},
                       ctx=context(second, tools={"add": tool}, checkpoints=store, ledger=ledger))

    assert result.output == {"text": "2+3 is 5"} and result.resumed_from_turn == 1
    assert len(tool.calls) == 1
    assert [r.metadata["turn"] for r in second.resolve("scripted/main")[0].requests] == [2]
    assert [m.role for m in result.messages] == ["system", "user", "assistant", "tool", "assistant"]


def test_a_worker_dying_after_a_tool_call_does_not_repeat_the_call_on_resume() -> None:
    charge = FunctionTool("charge", lambda i, c: {"charged": i["amount"]}, side_effect="side_effecting",
                          input_schema={"type": "object", "properties": {"amount": {"type": "number"}}})
    store, ledger = DyingCheckpointStore(die_at="turn:1"), MemoryLedger()
    script = [{"tool_calls": [call("charge", amount=10)]}, {"text": "charged 10"}]
    with pytest.raises(WorkerDied):  # the call completed; its turn checkpoint was never written
        run_agent(spec(), {"message": "pay"}, ctx=context(router_with(main=script), tools={"charge": charge},
                                                            checkpoints=store, ledger=ledger))
    assert len(charge.calls) == 1

    ctx = context(router_with(main=script), tools={"charge": charge}, checkpoints=store, ledger=ledger)
    result = run_agent(spec(), {"message": "pay"}, ctx=ctx)

    assert result.output == {"text": "charged 10"}
    assert len(charge.calls) == 1
    assert events(ctx, "tool.completed")[0]["data"] == {"tool": "charge", "call_id": "call_0",
                                                        "output": {"charged": 10}, "latency_ms": pytest.approx(0, abs=50),
                                                        "cached": True}
    assert store.keys["run_1"] == ["turn:0", "turn:1:model", "turn:1", "turn:2"]


def test_a_finished_run_resumed_returns_its_output_without_any_call() -> None:
    store = MemoryCheckpointStore()
    run_agent(spec(), {"message": "hi"}, ctx=context(router_with(main=[{"text": "hello"}]), checkpoints=store))
    again = router_with(main=[{"text": "different"}])

    result = run_agent(spec(), {"message": "hi"}, ctx=context(again, checkpoints=store))

    assert result.output == {"text": "hello"}
    assert again.resolve("scripted/main")[0].requests == []


def test_a_tool_needing_approval_pauses_the_run_and_runs_once_approved() -> None:
    refund = FunctionTool("refund", lambda i, c: {"refunded": True}, requires_approval=True)
    store, ledger = MemoryCheckpointStore(), MemoryLedger()
    script = [{"tool_calls": [call("refund"), call("add", a=1, b=1)]}, {"text": "refunded"}]
    tools = {"refund": refund, "add": add_tool()}
    first_ctx = context(router_with(main=script), tools=tools, checkpoints=store, ledger=ledger)

    with pytest.raises(WaitingForInput) as caught:
        run_agent(spec(), {"message": "refund me"}, ctx=first_ctx)

    assert caught.value.reason == "tool_approval"
    assert caught.value.prompt["key"] == "run_1:turn1:call0" and refund.calls == []
    assert events(first_ctx, "tool.approval_requested")[0]["data"]["tool"] == "refund"
    ledger.record_result("approval:run_1:turn1:call0", {"approved": True, "reason": "ok"})
    resumed = router_with(main=script)
    result = run_agent(spec(), {"message": "refund me"},
                       ctx=context(resumed, tools=tools, checkpoints=store, ledger=ledger))

    assert result.output == {"text": "refunded"}
    assert len(refund.calls) == 1 and len(tools["add"].calls) == 1
    assert [r.metadata["turn"] for r in resumed.resolve("scripted/main")[0].requests] == [2]
