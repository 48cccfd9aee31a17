"""Knowledge bases and documents for the RAG tests, ingested in-process (the job's own code)."""
from __future__ import annotations

from typing import Any

from rag import services
from rag.ingestion import ingest_document
from rag.models import Document, KnowledgeBase
from tests.runtime.rag.hashing_embedder import HashingEmbedder

TEST_EMBEDDER = "test/hashing-384"


class Hashing384(HashingEmbedder):
    """The deterministic bag-of-words test embedder under a knowledge-base ref."""

    name = TEST_EMBEDDER
    max_chunk_tokens = 200

    def __init__(self, config: Any = None) -> None:
        super().__init__(dimensions=384)


def make_kb(project, name: str = "docs", **kwargs: Any) -> KnowledgeBase:
    kwargs.setdefault("embedding_model", TEST_EMBEDDER)
    return services.create_knowledge_base(project=project, name=name, **kwargs)


def ingest(document: Document, **kwargs: Any) -> Document:
    """Run the ingestion job of the document's current revision now, in this process."""
    ingest_document(document.pk, document.revision, **kwargs)
    document.refresh_from_db()
    return document


def add_text(kb: KnowledgeBase, name: str, text: str | bytes, *, metadata: dict | None = None,
             content_type: str = "", source: str = "text", run: bool = True) -> Document:
    """Add a text/upload document and (by default) ingest it."""
    content = text.encode() if isinstance(text, str) else text
    document, queued = services.add_document(kb=kb, name=name, source=source, content=content,
                                             content_type=content_type, metadata=metadata)
    return ingest(document) if run and queued else document
