"""Retrieval records a span (query, filter, hits, scores) and feeds prompt assembly."""
from __future__ import annotations

import pytest

from runtime.errors import InputInvalid
from runtime.events import CollectingSink, CollectingTracer
from runtime.rag.assembly import AssemblyPolicy
from runtime.rag.chunking import chunk
from runtime.rag.extract import extract
from runtime.rag.memory_index import InMemoryIndex
from runtime.rag.retrieval import knowledge_context, traced_search
from tests.runtime.rag.hashing_embedder import HashingEmbedder

DOCS = {
    "refunds": "Refunds are paid back to the original card within five business days.",
    "shipping": "Parcels ship from the Lyon warehouse and arrive within two days.",
    "security": "Reset your password from the login page using the emailed link.",
}


@pytest.fixture
def index() -> InMemoryIndex:
    idx = InMemoryIndex(HashingEmbedder())
    for name, text in DOCS.items():
        idx.add_document(name, f"{name}.md", chunk(extract(text.encode(), filename="x.txt")),
                         metadata={"team": "support" if name != "security" else "it"})
    return idx


def test_a_search_records_a_retrieval_span_with_query_filter_hits_and_scores(index):
    tracer = CollectingTracer()
    hits = traced_search(index, knowledge_base="kb_help", query="refunds paid to card", top_k=2,
                         filter={"team": "support"}, tracer=tracer, parent_id="span_parent")
    [span] = tracer.spans
    assert (span.kind, span.name, span.parent_id, span.status) == ("retrieval", "retrieval kb_help", "span_parent", "ok")
    assert span.attributes["query"] == "refunds paid to card"
    assert span.attributes["filter"] == {"team": "support"}
    assert span.attributes["hit_count"] == 2
    assert [h["chunk_id"] for h in span.attributes["hits"]] == [h.chunk_id for h in hits]
    assert span.attributes["hits"][0]["document_id"] == "refunds"
    assert span.attributes["hits"][0]["score"] == pytest.approx(hits[0].score)
    assert span.ended_at is not None


def test_a_sink_receives_retrieval_completed(index):
    sink = CollectingSink()
    traced_search(index, knowledge_base="kb_help", query="password", sink=sink, node_id="retrieve")
    [event] = sink.events
    assert event["type"] == "retrieval.completed"
    assert event["node_id"] == "retrieve"
    assert event["data"]["hits"][0]["document_id"] == "security"


def test_a_failed_search_marks_the_span_failed(index):
    tracer = CollectingTracer()
    with pytest.raises(InputInvalid):
        traced_search(index, knowledge_base="kb", query="x", filter={"bad field!": 1}, tracer=tracer)
    assert tracer.spans[0].status == "error"
    assert tracer.spans[0].error["type"] == "input_invalid"


def test_knowledge_context_searches_each_knowledge_base_and_assembles_with_citations(index):
    tracer = CollectingTracer()
    context = knowledge_context(index, knowledge_bases=["kb_a", "kb_b"], query="when do refunds arrive on my card",
                                top_k=2, policy=AssemblyPolicy(header=""), tracer=tracer)
    assert [s.name for s in tracer.spans] == ["retrieval kb_a", "retrieval kb_b"]
    assert context.found
    assert context.citations[0].document_id == "refunds"
    assert context.text.startswith("[1] refunds.md\nRefunds are paid back")
    assert len(context.citations) == 1  # the same chunk from both bases is deduplicated
