"""What a run reports: typed events with usage and timings, spans, checkpoint deltas per turn."""
from __future__ import annotations

from runtime.agent import run_agent
from runtime.agent.state import fold
from tests.runtime.agent.factories import add_tool, call, context, events, router_with, spec


def test_a_run_with_one_tool_call_emits_model_and_tool_events_in_order() -> None:
    router = router_with(main=[{"tool_calls": [call("add", "c1", a=1, b=2)]}, {"text": "The answer is three."}])
    ctx = context(router, tools={"add": add_tool()}, node_id="agent_node", parent_span_id="parent")

    run_agent(spec(), {"message": "1+2?"}, ctx=ctx)

    types = [e["type"] for e in events(ctx)]
    assert types[:3] == ["model.completed", "tool.started", "tool.completed"]
    assert types[3:-1] == ["model.delta"] * (len(types) - 4) and len(types) > 5
    assert types[-1] == "model.completed"
    first = events(ctx, "model.completed")[0]["data"]
    assert first["model"] == "scripted/main" and first["finish_reason"] == "tool_calls"
    assert set(first) >= {"usage", "cost_usd", "latency_ms", "tool_calls"}
    assert first["usage"]["input_tokens"] > 0
    assert "".join(e["data"]["text"] for e in events(ctx, "model.delta")) == "The answer is three."
    assert {e["node_id"] for e in events(ctx)} == {"agent_node"}
    assert [(s.kind, s.parent_id) for s in ctx.tracer.spans] == [("model", "parent"), ("tool", "parent"),
                                                                 ("model", "parent")]


def test_checkpoints_are_deltas_whose_fold_is_the_final_state() -> None:
    router = router_with(main=[{"tool_calls": [call("add", a=1, b=2)]}, {"text": "3"}])
    ctx = context(router, tools={"add": add_tool()})

    result = run_agent(spec(), {"message": "1+2?"}, ctx=ctx)

    assert ctx.checkpoints.keys["run_1"] == ["turn:0", "turn:1:model", "turn:1", "turn:2"]
    state = fold(ctx.checkpoints.load_checkpoints("run_1"))
    assert state.output == {"text": "3"} and state.steps == 2
    assert [m.to_dict() for m in state.messages] == [m.to_dict() for m in result.messages]
    assert sum(len(d["messages"]) for d in ctx.checkpoints.deltas["run_1"]) == len(result.messages)


def test_conversation_history_from_the_input_is_sent_before_the_new_message() -> None:
    router = router_with(main=[{"text": "ok"}])

    run_agent(spec(), {"message": "and now?", "messages": [{"role": "user", "content": "before"},
                                                           {"role": "assistant", "content": "noted"}]},
              ctx=context(router))

    sent = router.resolve("scripted/main")[0].requests[0].messages
    assert [(m.role, m.content) for m in sent] == [("system", "You are a test agent."), ("user", "before"),
                                                   ("assistant", "noted"), ("user", "and now?")]
