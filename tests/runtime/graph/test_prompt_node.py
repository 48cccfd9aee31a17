"""Prompt nodes: templates to messages, streamed deltas as events, optional structured output."""
from __future__ import annotations

import pytest

from runtime.errors import NodeFailed
from runtime.events import CollectingSink
from runtime.graph import GraphServices, run_graph
from tests.runtime.graph.fakes import ScriptedModel
from tests.runtime.graph.graphs import chain, node

VERDICT = {"type": "object", "properties": {"label": {"enum": ["good", "bad"]}}, "required": ["label"]}


def test_prompt_renders_templates_and_streams_deltas(sink: CollectingSink) -> None:
    model = ScriptedModel(["Bonjour Ada"])
    g = chain(node("start", "start"),
              node("ask", "prompt", {"model": "local/gemma", "system": "You translate to {{ $.inputs.lang }}.",
                                     "prompt": "Translate: Hello {{ $.input.name }}", "temperature": 0.2},
                   inputs={"lang": "French"}),
              node("end", "end", inputs={"text": "$.nodes.ask.output.text"}))
    result = run_graph(g, {"name": "Ada"}, run_id="r", sink=sink, services=GraphServices(models=model))
    assert result.output == {"text": "Bonjour Ada"}
    assert model.calls[0]["messages"] == [{"role": "system", "content": "You translate to French."},
                                          {"role": "user", "content": "Translate: Hello Ada"}]
    assert model.calls[0]["options"] == {"temperature": 0.2}
    deltas = [e for e in sink.events if e["type"] == "model.delta"]
    assert "".join(e["data"]["text"] for e in deltas) == "Bonjour Ada"
    assert {e["node_id"] for e in deltas} == {"ask"}
    assert result.state["nodes"]["ask"]["usage"]["output_tokens"] == 5


def test_structured_output_is_validated_against_the_output_schema() -> None:
    g = chain(node("start", "start"),
              node("judge", "prompt", {"model": "m", "messages": [{"role": "user", "content": "Judge {{ $.input.x }}"}],
                                       "output_schema": VERDICT}),
              node("end", "end"))
    ok = run_graph(g, {"x": 1}, run_id="r", services=GraphServices(models=ScriptedModel([{"label": "good"}])))
    assert ok.output == {"label": "good"}
    with pytest.raises(NodeFailed) as info:
        run_graph(g, {"x": 1}, run_id="r", services=GraphServices(models=ScriptedModel([{"label": "meh"}])))
    assert info.value.cause.code == "node_output_invalid"
