"""A tool raising Handoff ends the agent's loop after that turn with `handoff` set."""
from __future__ import annotations

from runtime.agent import run_agent
from runtime.errors import Handoff
from runtime.store import MemoryCheckpointStore
from tests.runtime.agent.factories import FunctionTool, call, context, router_with, spec


def _transfer(i: dict, ctx: object) -> dict:
    raise Handoff("billing_agent", {"reason": i["reason"]})


def test_handoff_returns_the_target_and_payload_after_a_checkpointed_turn() -> None:
    store = MemoryCheckpointStore()
    router = router_with(main=[{"text": "Passing you to billing.", "tool_calls": [call("transfer", reason="refund")]},
                               {"text": "never"}])
    tools = {"transfer": FunctionTool("transfer", _transfer)}

    result = run_agent(spec(), {"message": "refund please"}, ctx=context(router, tools=tools, checkpoints=store))

    assert result.handoff == {"target": "billing_agent", "payload": {"reason": "refund"}}
    assert result.output == {"text": "Passing you to billing."}
    assert store.keys["run_1"][-1] == "turn:1"
    assert len(router.resolve("scripted/main")[0].requests) == 1

    again = run_agent(spec(), {"message": "refund please"}, ctx=context(router, tools=tools, checkpoints=store))
    assert again.handoff == result.handoff
    assert len(router.resolve("scripted/main")[0].requests) == 1
