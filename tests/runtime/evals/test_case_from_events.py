"""Building a case from a run's events (the shapes of shared/API.md)."""
from __future__ import annotations

from runtime.evals import Citation, ToolCallRecord, case_from_run_events
from tests.runtime.evals.factories import score

AGENT_EVENTS = [
    {"type": "run.started", "data": {}},
    {"type": "model.completed", "data": {"usage": {"input_tokens": 100, "output_tokens": 20}, "cost_usd": 0.001,
                                         "tool_calls": [{"id": "c1", "name": "search", "arguments": {"q": "x"}}]}},
    {"type": "tool.started", "data": {"tool": "search", "call_id": "c1", "input": {"q": "x"}}},
    {"type": "retrieval.completed", "data": {"knowledge_base": "kb", "hits": [
        {"chunk_id": "ch1", "document_id": "doc_1", "document_name": "a.md", "score": 0.9},
        {"chunk_id": "ch2", "document_id": "doc_2", "score": 0.5}]}},
    {"type": "tool.completed", "data": {"tool": "search", "call_id": "c1", "output": {"hits": 2}}},
    {"type": "tool.completed", "data": {"tool": "nope", "call_id": "c2", "error": {"type": "tool_not_found"}}},
    {"type": "model.completed", "data": {"usage": {"input_tokens": 150, "output_tokens": 30}, "cost_usd": 0.002}},
    {"type": "run.succeeded", "data": {}},
]


def test_agent_run_events_give_tool_calls_steps_usage_and_citations():
    c = case_from_run_events(item={"id": "it_1", "input": {"message": "q"}, "expected": "a", "metadata": {"tag": "smoke"}},
                             output={"text": "answer"}, events=AGENT_EVENTS, latency_ms=812.0,
                             feedback=[{"thumbs": "up"}], repeat=2)
    assert (c.item_id, c.input, c.expected, c.metadata, c.repeat) == ("it_1", {"message": "q"}, "a", {"tag": "smoke"}, 2)
    assert c.tool_calls == (ToolCallRecord("search", {"q": "x"}, {"hits": 2}, None),
                            ToolCallRecord("nope", {}, None, {"type": "tool_not_found"}))
    assert (c.steps, c.input_tokens, c.output_tokens, c.total_tokens, c.cost_usd) == (2, 250, 50, 300, 0.003)
    assert c.citations == (Citation("doc_1", "a.md", None, "ch1", 0.9), Citation("doc_2", None, None, "ch2", 0.5))
    assert c.latency_ms == 812.0 and c.feedback[0].thumbs == "up"
    assert score({"type": "tool_sequence", "tools": ["search", "nope"]}, c).passed is True
    assert score({"type": "context_hit", "documents": ["a.md"]}, c).passed is True


def test_workflow_run_events_give_node_outputs_addressable_by_path():
    events = [{"type": "node.completed", "node_id": "start", "data": {"output": {"q": "x"}}},
              {"type": "model.completed", "node_id": "classify", "data": {"usage": {"input_tokens": 5}}},
              {"type": "node.completed", "node_id": "classify", "data": {"output": {"label": "billing", "p": 0.9}}},
              {"type": "node.completed", "node_id": "end", "data": {"output": {"text": "ok"}}}]
    c = case_from_run_events(item={"id": 7, "input": {}, "expected": "billing"}, output={"text": "ok"}, events=events)
    assert c.item_id == "7" and c.steps == 3  # executed nodes, not model turns
    assert c.input_tokens == 5
    assert score({"type": "exact", "path": "$.nodes.classify.output.label"}, c).passed is True
    assert score({"type": "exact", "path": "$.nodes.missing.output.label"}, c).passed is False
