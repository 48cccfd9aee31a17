"""Start, Transform and End nodes: typed IO, state mapping, checkpoints and node events."""
from __future__ import annotations

import pytest

from runtime.errors import InputInvalid, NodeFailed
from runtime.events import CollectingSink, CollectingTracer
from runtime.graph import run_graph
from runtime.store import MemoryCheckpointStore
from tests.runtime.graph.graphs import chain, node

PERSON = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}


def greeting_graph(**end_config: object) -> dict:
    return chain(node("start", "start", {"input_schema": PERSON}),
                 node("greet", "transform", inputs={"text": "Hello {{ $.input.name }}", "who": "$.input.name"}),
                 node("end", "end", end_config or None, inputs={"greeting": "$.nodes.greet.output.text"}))


def test_linear_graph_maps_state_from_node_to_node(sink: CollectingSink, store: MemoryCheckpointStore) -> None:
    result = run_graph(greeting_graph(), {"name": "Ada"}, run_id="r1", sink=sink, checkpoints=store)
    assert result.status == "succeeded"
    assert result.output == {"greeting": "Hello Ada"}
    assert result.state["nodes"]["greet"]["output"] == {"text": "Hello Ada", "who": "Ada"}
    assert store.keys["r1"] == ["node:start", "node:greet", "node:end"]
    assert [d["output"] for d in store.deltas["r1"]][1] == {"text": "Hello Ada", "who": "Ada"}


def test_node_events_carry_redacted_inputs_and_outputs(sink: CollectingSink, tracer: CollectingTracer) -> None:
    def redact(value: object) -> object:
        return {k: "***" if k == "who" else v for k, v in value.items()} if isinstance(value, dict) else value

    run_graph(greeting_graph(), {"name": "Ada"}, run_id="r1", sink=sink, tracer=tracer, redact=redact,
              parent_span_id="root")
    greet = [e for e in sink.events if e["node_id"] == "greet"]
    assert [e["type"] for e in greet] == ["node.started", "node.completed"]
    assert greet[0]["data"]["type"] == "transform"
    assert greet[1]["data"]["output"] == {"text": "Hello Ada", "who": "***"}
    assert greet[1]["data"]["latency_ms"] >= 0
    spans = {s.name: s for s in tracer.spans}
    assert spans["greet"].kind == "node" and spans["greet"].parent_id == "root"
    assert greet[0]["span_id"] == spans["greet"].id


def test_start_validates_the_run_input_against_its_schema() -> None:
    with pytest.raises(NodeFailed) as info:
        run_graph(greeting_graph(), {"name": 3}, run_id="r1")
    assert info.value.node_id == "start"
    assert isinstance(info.value.cause, InputInvalid)


def test_end_enforces_its_output_schema() -> None:
    schema = {"type": "object", "properties": {"greeting": {"type": "integer"}}}
    with pytest.raises(NodeFailed) as info:
        run_graph(greeting_graph(output_schema=schema), {"name": "Ada"}, run_id="r1")
    assert info.value.node_id == "end"
    assert info.value.cause.code == "node_output_invalid"


def test_end_without_inputs_outputs_what_led_to_it() -> None:
    graph = chain(node("start", "start"), node("shape", "transform", inputs={"n": "$.input.n", "k": "fixed"}),
                  node("end", "end"))
    assert run_graph(graph, {"n": 1}, run_id="r1").output == {"n": 1, "k": "fixed"}


def test_graph_vars_are_readable_and_a_compiled_graph_is_reusable() -> None:
    from runtime.graph import compile_graph

    graph = chain(node("start", "start"), node("end", "end", inputs={"limit": "$.vars.limit"}))
    graph["vars"] = {"limit": 5}
    compiled = compile_graph(graph)
    assert run_graph(compiled, {}, run_id="a").output == {"limit": 5}
    assert run_graph(compiled, {}, run_id="b").output == {"limit": 5}
