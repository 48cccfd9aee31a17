"""The in-memory exact index: top-k, filters that still return k, deletion, replacement."""
from __future__ import annotations

from runtime.rag.chunking import ChunkingPolicy, chunk
from runtime.rag.extract import extract
from runtime.rag.memory_index import InMemoryIndex
from tests.runtime.rag.hashing_embedder import HashingEmbedder

TOPICS = ["refund policy money back", "shipping delivery courier", "password reset login account"]


def _index_with(n_docs: int = 30) -> InMemoryIndex:
    index = InMemoryIndex(HashingEmbedder())
    for i in range(n_docs):
        text = f"Document {i} is about {TOPICS[i % 3]}.".encode()
        doc_chunks = chunk(extract(text, filename="d.txt"), ChunkingPolicy(chunk_tokens=64))
        index.add_document(f"doc{i}", f"doc{i}.txt", doc_chunks, metadata={"topic": i % 3, "year": 2000 + i})
    return index


def test_top_k_returns_the_most_similar_chunks_best_first():
    hits = _index_with().search("kb", "how do I get my money back refund", top_k=5)
    assert len(hits) == 5
    assert all(h["metadata"]["topic"] == 0 for h in hits)
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert set(hits[0]) == {"chunk_id", "document_id", "document_name", "text", "score", "metadata"}


def test_filtered_queries_still_return_k_results():
    index = _index_with()
    hits = index.search("kb", "refund money back", top_k=5, filter={"topic": 2, "year": {"gte": 2010}})
    assert len(hits) == 5  # the 5 best among matching chunks, not the matching part of the global top 5
    assert all(h["metadata"]["topic"] == 2 and h["metadata"]["year"] >= 2010 for h in hits)


def test_deleting_a_document_removes_its_chunks():
    index = _index_with(6)
    before = len(index)
    assert index.delete_document("doc0") == 1
    assert len(index) == before - 1
    assert all(h["document_id"] != "doc0" for h in index.search("kb", "refund policy", top_k=10))


def test_re_adding_a_document_replaces_its_chunks():
    index = _index_with(3)
    replacement = chunk(extract(b"Completely new text about invoices.", filename="d.txt"))
    index.add_document("doc1", "doc1.txt", replacement)
    assert len(index) == 3
    hits = [h for h in index.search("kb", "invoices", top_k=3) if h["document_id"] == "doc1"]
    assert [h["text"] for h in hits] == ["Completely new text about invoices."]
