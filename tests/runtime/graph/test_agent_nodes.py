"""Agent nodes: agents as workflow steps passing state, and an agent that hands off to another."""
from __future__ import annotations

import pytest

from runtime.errors import NodeFailed, NodeServiceMissing
from runtime.events import CollectingTracer
from runtime.graph import GraphServices, run_graph
from tests.runtime.graph.fakes import ScriptedAgents
from tests.runtime.graph.graphs import graph, node


def triage(input: dict, handoffs: list) -> dict:
    target = "billing" if "invoice" in input["message"] else None
    return {"output": {"text": "routing you"}, "handoff": target, "handoff_payload": {"topic": "invoice"},
            "usage": {"input_tokens": 20, "output_tokens": 4, "cost_usd": 0.002}}


def specialist(name: str):
    def run(input: dict, handoffs: list) -> dict:
        return {"output": {"text": f"{name} handled: {input['message']}"}, "handoff": None,
                "usage": {"input_tokens": 30, "output_tokens": 8, "cost_usd": 0.003}}
    return run


def support_graph() -> dict:
    return graph(
        [node("start", "start"),
         node("triage", "agent", {"agent": "triage", "handoffs": ["billing", {"name": "tech", "description": "IT"}]},
              inputs={"message": "$.input.message"}),
         node("billing", "agent", {"agent": "billing"},
              inputs={"message": "{{ $.nodes.triage.handoff.payload.topic }}: {{ $.input.message }}"}),
         node("tech", "agent", {"agent": "tech"}, inputs={"message": "$.input.message"}),
         node("general", "agent", {"agent": "general"}, inputs={"message": "$.input.message"}),
         node("end", "end", inputs={"answer": "$.nodes.billing.output.text"})],
        [("start", "triage"), ("triage", "billing", "billing"), ("triage", "tech", "tech"),
         ("triage", "general"), ("billing", "end")])


def agents() -> ScriptedAgents:
    return ScriptedAgents({"triage": triage, "billing": specialist("billing"), "tech": specialist("tech"),
                           "general": specialist("general")})


def test_an_agent_hands_off_to_another_agent_through_its_port(tracer: CollectingTracer) -> None:
    runner = agents()
    result = run_graph(support_graph(), {"message": "my invoice is wrong"}, run_id="r",
                       services=GraphServices(agents=runner), tracer=tracer)
    assert result.output == {"answer": "billing handled: invoice: my invoice is wrong"}
    assert [ref for ref, _, _ in runner.calls] == ["triage", "billing"]
    assert result.state["nodes"]["triage"]["port"] == "billing"
    assert result.usage == {"input_tokens": 50, "output_tokens": 12, "cost_usd": pytest.approx(0.005)}
    triage_ctx = runner.calls[0][2]
    node_span = next(s for s in tracer.spans if s.name == "triage")
    assert triage_ctx.span_id == node_span.id  # the agent's own spans hang under the node span
    assert triage_ctx.idempotency_key == "r:triage"
    assert runner.calls[0][1] == {"message": "my invoice is wrong"}


def test_without_a_handoff_the_agent_leaves_by_the_default_port() -> None:
    runner = agents()
    result = run_graph(support_graph(), {"message": "hello"}, run_id="r", services=GraphServices(agents=runner))
    assert [ref for ref, _, _ in runner.calls] == ["triage", "general"]
    assert result.output is None  # the only End is on the billing path, which was skipped


def test_handoffs_are_offered_to_the_runner() -> None:
    seen: list[list] = []

    def spy(input: dict, handoffs: list) -> dict:
        seen.append(handoffs)
        return {"output": {"text": "x"}, "handoff": None}

    g = graph([node("start", "start"), node("a", "agent", {"agent": "a", "handoffs": ["b"]},
                                            inputs={"message": "hi"}), node("end", "end")],
              [("start", "a"), ("a", "end")])
    run_graph(g, {}, run_id="r", services=GraphServices(agents=ScriptedAgents({"a": spy})))
    assert seen == [[{"name": "b", "description": "Hand off to b"}]]


def test_agent_input_is_checked_and_the_service_must_exist() -> None:
    g = graph([node("start", "start"), node("a", "agent", {"agent": "a"}, inputs={"message": 3}), node("end", "end")],
              [("start", "a"), ("a", "end")])
    with pytest.raises(NodeFailed) as info:
        run_graph(g, {}, run_id="r", services=GraphServices(agents=agents()))
    assert info.value.cause.code == "node_input_invalid"
    g["nodes"][1]["inputs"] = {"message": "ok"}
    with pytest.raises(NodeFailed) as info:
        run_graph(g, {}, run_id="r")
    assert isinstance(info.value.cause, NodeServiceMissing)
