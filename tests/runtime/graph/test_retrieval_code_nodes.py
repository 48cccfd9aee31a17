"""Retrieval nodes (hits and a `retrieval.completed` event) and Code nodes (a real subprocess)."""
from __future__ import annotations

import pytest

from runtime.errors import NodeFailed
from runtime.events import CollectingSink
from runtime.graph import GraphServices, run_graph
from tests.runtime.graph.fakes import KeywordRetriever, SubprocessCodeRunner
from tests.runtime.graph.graphs import chain, node

DOCS = {"returns.md": "Returns are accepted within 30 days of delivery",
        "shipping.md": "Shipping takes 3 days within the EU",
        "about.md": "We sell tea"}


def test_retrieval_returns_ranked_hits_and_reports_them(sink: CollectingSink) -> None:
    retriever = KeywordRetriever(DOCS)
    g = chain(node("start", "start"),
              node("search", "retrieval", {"knowledge_base": "kb_help", "top_k": 2},
                   inputs={"query": "$.input.question"}),
              node("end", "end", inputs={"best": "$.nodes.search.output.hits[0].document_name"}))
    result = run_graph(g, {"question": "how many days for returns"}, run_id="r", sink=sink,
                       services=GraphServices(retriever=retriever))
    assert result.output == {"best": "returns.md"}
    event = next(e for e in sink.events if e["type"] == "retrieval.completed")
    assert event["node_id"] == "search" and event["data"]["count"] == 2
    assert event["data"]["hits"][0]["score"] >= event["data"]["hits"][1]["score"]


def test_retrieval_query_can_come_from_a_config_template() -> None:
    retriever = KeywordRetriever(DOCS)
    g = chain(node("start", "start"), node("search", "retrieval", {"knowledge_base": "kb",
                                                                   "query": "shipping {{ $.input.region }}"}),
              node("end", "end"))
    run_graph(g, {"region": "EU"}, run_id="r", services=GraphServices(retriever=retriever))
    assert retriever.queries == ["shipping EU"]


def code_graph(code: str, **config: object) -> dict:
    return chain(node("start", "start"), node("calc", "code", {"code": code, **config},
                                              inputs={"values": "$.input.values"}), node("end", "end"))


def test_code_node_runs_the_code_on_its_inputs() -> None:
    result = run_graph(code_graph("return {'total': sum(input['values'])}"), {"values": [1, 2, 3]}, run_id="r",
                       services=GraphServices(code=SubprocessCodeRunner()))
    assert result.output == {"total": 6}


def test_code_node_checks_declared_schemas_and_reports_code_errors() -> None:
    out_schema = {"type": "object", "properties": {"total": {"type": "string"}}}
    with pytest.raises(NodeFailed) as info:
        run_graph(code_graph("return {'total': 1}", output_schema=out_schema), {"values": []}, run_id="r",
                  services=GraphServices(code=SubprocessCodeRunner()))
    assert info.value.cause.code == "node_output_invalid"
    in_schema = {"type": "object", "properties": {"values": {"type": "array", "items": {"type": "integer"}}}}
    with pytest.raises(NodeFailed) as info:
        run_graph(code_graph("return 1", input_schema=in_schema), {"values": ["x"]}, run_id="r",
                  services=GraphServices(code=SubprocessCodeRunner()))
    assert info.value.cause.code == "node_input_invalid"
    with pytest.raises(NodeFailed) as info:
        run_graph(code_graph("raise ValueError('nope')"), {"values": []}, run_id="r",
                  services=GraphServices(code=SubprocessCodeRunner()))
    assert "nope" in info.value.cause.message
