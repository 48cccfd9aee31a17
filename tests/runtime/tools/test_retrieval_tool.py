"""The built-in `retrieval` tool over a `Retriever` (the RAG app implements the real one)."""
from __future__ import annotations

import pytest

from runtime.errors import ToolError, ToolOutputInvalid
from runtime.tools.retrieval import RetrievalTool
from tests.runtime.tools.conftest import make_ctx


class WordRetriever:
    """Scores chunks by shared words: a real (tiny) retriever, not a stub of ours."""

    def __init__(self, chunks: dict[str, list[dict]]) -> None:
        self.chunks = chunks
        self.calls: list[tuple] = []

    def search(self, knowledge_base, query, top_k, filter, *, project_id=None):
        self.calls.append((knowledge_base, query, top_k, filter, project_id))
        words = set(query.lower().split())
        hits = []
        for chunk in self.chunks.get(knowledge_base, []):
            if filter and any(chunk["metadata"].get(k) != v for k, v in filter.items()):
                continue
            score = len(words & set(chunk["text"].lower().split())) / len(words)
            hits.append({**chunk, "score": score})
        return sorted(hits, key=lambda h: -h["score"])[:top_k]


def chunk(i, text, **metadata):
    return {"chunk_id": f"c{i}", "document_id": "d1", "document_name": "faq.md", "text": text, "metadata": metadata}


@pytest.fixture
def retriever():
    return WordRetriever({"faq": [chunk(1, "refunds take five days", lang="en"),
                                  chunk(2, "shipping is free", lang="en"),
                                  chunk(3, "refunds sind kostenlos", lang="de")]})


def test_returns_best_hits_with_the_documented_fields(retriever):
    out = RetrievalTool().invoke({"knowledge_base": "faq", "query": "refunds days", "top_k": 2},
                                 make_ctx(retriever=retriever))
    assert [h["chunk_id"] for h in out["hits"]] == ["c1", "c3"]
    assert set(out["hits"][0]) == {"chunk_id", "document_id", "document_name", "text", "score", "metadata"}


def test_passes_filter_default_top_k_and_project(retriever):
    out = RetrievalTool().invoke({"knowledge_base": "faq", "query": "refunds", "filter": {"lang": "de"}},
                                 make_ctx(retriever=retriever, project_id="proj_9"))
    assert [h["chunk_id"] for h in out["hits"]] == ["c3"]
    assert retriever.calls == [("faq", "refunds", 5, {"lang": "de"}, "proj_9")]


def test_without_a_retriever_the_call_is_a_tool_error():
    with pytest.raises(ToolError):
        RetrievalTool().invoke({"knowledge_base": "faq", "query": "x"}, make_ctx())


def test_hit_missing_fields_is_an_output_error():
    class Broken:
        def search(self, *args, **kwargs):
            return [{"text": "no ids"}]

    with pytest.raises(ToolOutputInvalid):
        RetrievalTool().invoke({"knowledge_base": "faq", "query": "x"}, make_ctx(retriever=Broken()))
