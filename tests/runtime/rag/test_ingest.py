"""Ingestion steps: content hash, prepare (extract + chunk), batched embedding with progress."""
from __future__ import annotations

import pytest

from runtime.errors import Cancelled, DocumentCorrupt, EmbeddingDimensionMismatch
from runtime.rag.chunking import ChunkingPolicy
from runtime.rag.ingest import content_hash, embed_chunks, prepare_document
from runtime.store import CancelFlag
from tests.runtime.rag.hashing_embedder import HashingEmbedder
from tests.runtime.rag.pdf_factory import make_pdf

GUIDE = ("# Guide\n\n" + "\n\n".join(f"## Part {i}\n\n" + f"Part {i} explains one setting in detail. " * 12
                                      for i in range(10))).encode()


def test_content_hash_is_stable_and_changes_with_the_bytes():
    assert content_hash(GUIDE) == content_hash(bytes(GUIDE))
    assert content_hash(GUIDE) != content_hash(GUIDE + b" ")
    assert content_hash(b"abc") == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_prepare_document_extracts_and_chunks_with_the_knowledge_base_policy():
    prepared = prepare_document(GUIDE, filename="guide.md",
                                policy=ChunkingPolicy(strategy="markdown", chunk_tokens=64, overlap_tokens=8))
    assert prepared.document.format == "markdown"
    assert prepared.content_hash == content_hash(GUIDE)
    assert len(prepared.chunks) >= 10
    assert {tuple(c.metadata["heading_path"][:1]) for c in prepared.chunks} == {("Guide",)}
    assert all(c.token_count <= 64 for c in prepared.chunks)


def test_prepare_document_of_a_pdf_keeps_pages():
    prepared = prepare_document(make_pdf([["Alpha page."], ["Beta page."]]), content_type="application/pdf")
    assert [(c.text, c.metadata["page"]) for c in prepared.chunks] == [("Alpha page.", 1), ("Beta page.", 2)]


def test_prepare_document_raises_document_errors():
    with pytest.raises(DocumentCorrupt):
        prepare_document(b"%PDF-1.4 broken", filename="x.pdf")


def test_chunks_are_embedded_in_batches_with_progress():
    chunks = prepare_document(GUIDE, filename="guide.md", policy=ChunkingPolicy(chunk_tokens=32, overlap_tokens=0)).chunks
    embedder = HashingEmbedder()
    progress: list[tuple[int, int]] = []
    batches = list(embed_chunks(chunks, embedder, batch_size=7, on_progress=lambda d, t: progress.append((d, t))))
    total = len(chunks)
    assert [len(b.chunks) for b in batches] == [7] * (total // 7) + ([total % 7] if total % 7 else [])
    assert progress[-1] == (total, total)
    assert [d for d, _ in progress] == sorted(d for d, _ in progress)
    assert [c for b in batches for c in b.chunks] == chunks
    assert all(len(v) == 64 for b in batches for v in b.vectors)
    assert embedder.calls == [len(b.chunks) for b in batches]


def test_cancellation_stops_between_batches():
    chunks = prepare_document(GUIDE, filename="guide.md", policy=ChunkingPolicy(chunk_tokens=32, overlap_tokens=0)).chunks
    flag = CancelFlag()
    embedder = HashingEmbedder()
    stream = embed_chunks(chunks, embedder, batch_size=4, cancel=flag)
    next(stream)
    flag.cancel()
    with pytest.raises(Cancelled):
        next(stream)
    assert embedder.calls == [4]


def test_an_embedder_returning_wrong_sized_vectors_fails_the_ingestion():
    class Lying(HashingEmbedder):
        def embed_documents(self, texts):  # one component more than it declares
            return [vector + [0.0] for vector in super().embed_documents(texts)]

    chunks = prepare_document(b"Some text.", filename="a.txt").chunks
    with pytest.raises(EmbeddingDimensionMismatch):
        list(embed_chunks(chunks, Lying()))
