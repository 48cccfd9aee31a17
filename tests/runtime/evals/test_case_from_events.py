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


def test_citations_get_their_text_from_retrieval_outputs_or_the_callers_lookup():
    hits = [{"chunk_id": "ch1", "document_id": "doc_1", "document_name": "refunds.md", "score": 0.9}]
    events = [
        {"type": "tool.started", "data": {"tool": "retrieval", "call_id": "c1", "input": {"query": "refund"}}},
        {"type": "retrieval.completed", "data": {"hits": [*hits, {"chunk_id": "ch2", "document_id": "doc_2"}]}},
        {"type": "tool.completed", "data": {"tool": "retrieval", "call_id": "c1", "output": {"hits": [
            {**hits[0], "text": "Refunds within 30 days.", "metadata": {}}]}}},
    ]
    c = case_from_run_events(item={"id": "i"}, output={"text": "x"}, events=events,
                             chunk_texts={"ch2": "We ship to the EU.", "ch1": "not used: already known"})
    assert [(x.chunk_id, x.document_name, x.text) for x in c.citations] == [
        ("ch1", "refunds.md", "Refunds within 30 days."), ("ch2", None, "We ship to the EU.")]


def test_a_retrieval_node_output_carries_chunk_text():
    events = [{"type": "node.completed", "node_id": "search", "data": {"output": {"query": "q", "hits": [
        {"chunk_id": "ch7", "document_id": "doc_7", "text": "Warranty: two years.", "score": 0.7}]}}}]
    c = case_from_run_events(item={"id": "i"}, output={"text": "x"}, events=events)
    assert c.citations == (Citation("doc_7", None, "Warranty: two years.", "ch7", 0.7),)
