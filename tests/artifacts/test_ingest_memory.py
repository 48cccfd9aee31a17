"""A 50 MB text document ingested by a real worker process (`manage.py platform_worker`) keeps that
worker within twice its idle memory, on the filesystem and on an S3-compatible server (moto): the
stored bytes are hashed in one pass and decoded and chunked a block at a time in a second, and each
embedded batch is spooled to disk until the swap COPYs it (rag/ingestion.py). Memory is the kernel's
peak for the worker (VmHWM); the idle size is its resident size (VmRSS) after it ingested a small
document (imports, connections, the embedding client). Embeddings come from the hashing test
embedder behind an OpenAI-compatible server, so the figure is our pipeline's, not a model's."""
from __future__ import annotations

import uuid

import pytest

from accounts import services as account_services
from rag import services
from rag.models import Chunk, Document
from rag.retrieval import query_hits
from tests.artifacts.process_memory import memory_kb
from tests.e2e.servers import start_worker, wait_until
from tests.rag.embedding_server import EmbeddingServer

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
SIZE = 50 * 1024 * 1024
# Large chunks: ~8k of them, not ~84k at 200 tokens, whose HNSW inserts took most of 15 minutes; a batch
# of 256 holds ~2 MB of text, which only makes the bound harder to keep.
CHUNKING = {"strategy": "recursive", "chunk_tokens": 2000, "overlap_tokens": 100}
FIRST, LAST = "Zanzibarite opening of the operations manual.\n\n", "The quokkaflux ledger closes the manual.\n"


def write_document(path) -> None:
    """SIZE bytes of numbered text lines in paragraphs of six, FIRST and LAST marking both ends."""
    with open(path, "w", encoding="ascii", newline="\n") as handle:
        handle.write(FIRST)
        written, line = len(FIRST), 0
        body = SIZE - len(LAST)
        while written < body:
            text = (f"Line {line}: backups run hourly and are kept for thirty days; restores are tested weekly "
                    f"on replica {line % 97}.\n" + ("\n" if line % 6 == 5 else ""))[: body - written]
            handle.write(text)
            written += len(text)
            line += 1
        handle.write(LAST)


def wait_for(document: Document, *, timeout_s: float) -> Document:
    def settled():
        document.refresh_from_db()
        return document.status in (Document.READY, Document.FAILED)
    wait_until(settled, timeout_s=timeout_s, what=f"document {document.pk} to be ingested", interval_s=0.5)
    assert document.status == Document.READY, document.error
    return document


def test_a_50_mb_document_keeps_the_ingestion_worker_within_twice_its_idle_memory(artifacts_backend, tmp_path):
    path = tmp_path / "manual.txt"
    write_document(path)
    with EmbeddingServer() as embeddings:
        project = account_services.create_project(slug=f"ingest-{uuid.uuid4().hex[:6]}")
        project.settings = {"providers": {"compat:hashing": {"base_url": embeddings.base_url}}}
        project.http_allowlist = ["127.0.0.1"]
        project.save(update_fields=["settings", "http_allowlist"])
        kb = services.create_knowledge_base(project=project, name="manuals", embedding_model="compat:hashing/bow",
                                            embedding_config={"dimensions": 384}, chunking=CHUNKING)
        worker = start_worker(tmp_path, f"ingest-{uuid.uuid4().hex[:6]}", **artifacts_backend.env)
        try:
            warm, _ = services.add_document(kb=kb, name="warm.md", source="upload", content_type="text/markdown",
                                            content=b"# Warm up\n\nThe coolant pump relay trips at ninety degrees.\n")
            wait_for(warm, timeout_s=120)
            idle = memory_kb(worker.pid)
            with open(path, "rb") as handle:
                document, queued = services.add_document(kb=kb, name="manual.txt", source="upload",
                                                         content_type="text/plain", content=handle)
            assert queued
            wait_for(document, timeout_s=1500)
            after = memory_kb(worker.pid)
        finally:
            worker.stop()
        hits = query_hits(kb, "quokkaflux ledger", mode="hybrid", top_k=3)
    print(f"{artifacts_backend.name}: worker idle RSS {idle['VmRSS'] / 1024:.0f} MiB (peak so far "
          f"{idle['VmHWM'] / 1024:.0f} MiB), peak (VmHWM) after the 50 MB document {after['VmHWM'] / 1024:.0f} MiB, "
          f"ratio {after['VmHWM'] / idle['VmRSS']:.2f}; {document.chunk_count} chunks")
    chunks = Chunk.objects.filter(document=document)
    assert document.chunk_count == chunks.count() > 5_000
    first, last = chunks.order_by("position").first(), chunks.order_by("-position").first()
    assert first.position == 0 and last.position == document.chunk_count - 1
    assert first.text.startswith(FIRST.strip()) and last.text.endswith(LAST.strip())
    assert last.metadata["end_char"] == SIZE - 1  # every character chunked (the final newline trimmed)
    assert any(hit.document_name == "manual.txt" and LAST.strip() in hit.text for hit in hits)  # full-text match
    assert after["VmHWM"] <= 2 * idle["VmRSS"]
