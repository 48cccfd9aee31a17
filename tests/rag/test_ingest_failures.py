"""A corrupt PDF, an empty file, an unsupported type, a URL to a private address and a failing
embedder each end with a clear document error; the knowledge base stays usable."""
from __future__ import annotations

import pytest

from rag import services
from rag.embedders import register_embedder, unregister_embedder
from rag.models import Chunk, Document
from rag.retrieval import query_hits
from runtime.errors import EmbeddingProviderError
from tests.rag.factories import add_text, ingest, make_kb
from tests.runtime.rag.pdf_factory import make_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def healthy(kb):
    return add_text(kb, "healthy.txt", "The status page lists every incident of the last ninety days.")


def assert_still_usable(kb, healthy):
    assert query_hits(kb, "status page incidents", top_k=1)[0].document_id == healthy.pk
    later = add_text(kb, "later.txt", "Maintenance windows are announced a week ahead.")
    assert later.status == Document.READY


@pytest.mark.parametrize("name, content, content_type, error_type, words", [
    ("broken.pdf", make_pdf([["fine"]])[:120] + b"\x00garbage", "application/pdf", "document_corrupt", "PDF"),
    ("empty.txt", b"", "text/plain", "document_empty", "empty"),
    ("blank.md", b"   \n\n  ", "", "document_empty", "no text"),
    ("slides.pptx", b"PK\x03\x04 zipped slides", "", "document_unsupported_type", "unsupported"),
    ("image.png", b"\x89PNG\r\n\x1a\n", "image/png", "document_unsupported_type", "unsupported"),
])
def test_bad_documents_fail_with_a_clear_error(kb, healthy, name, content, content_type, error_type, words):
    document = add_text(kb, name, content, content_type=content_type, source="upload")
    assert document.status == Document.FAILED
    assert document.error["type"] == error_type
    assert words.lower() in document.error["message"].lower()
    assert document.chunk_count == 0 and not Chunk.objects.filter(document=document).exists()
    assert_still_usable(kb, healthy)


def test_a_url_to_a_private_address_is_refused(kb, healthy):
    document, queued = services.add_document(kb=kb, name="internal", source="url",
                                             url="http://127.0.0.1:9/admin/secrets.txt")
    assert queued
    document = ingest(document)
    assert document.status == Document.FAILED
    assert document.error["type"] == "document_url_refused"
    assert "non-public" in document.error["message"]
    assert_still_usable(kb, healthy)


def test_an_embedding_failure_fails_the_document_and_keeps_its_previous_chunks(project):
    class Refusing:
        name, dimensions, max_chunk_tokens = "test/refusing", 384, 200

        def __init__(self, config=None):
            pass

        def embed_documents(self, texts):
            if any("poison" in t for t in texts):
                raise EmbeddingProviderError("test/refusing: HTTP 400: input rejected")
            return [[1.0] + [0.0] * 383 for _ in texts]

        def embed_query(self, text):
            return [1.0] + [0.0] * 383

    register_embedder("test/refusing", Refusing)
    try:
        kb = make_kb(project, "strict", embedding_model="test/refusing")
        document = add_text(kb, "notes.txt", "first version")
        assert document.status == Document.READY
        document = add_text(kb, "notes.txt", "second version with poison")
        assert document.status == Document.FAILED
        assert document.error == {"type": "embedding_provider_error",
                                  "message": "test/refusing: HTTP 400: input rejected"}
        assert list(Chunk.objects.filter(document=document).values_list("text", flat=True)) == ["first version"]
    finally:
        unregister_embedder("test/refusing")


def test_a_job_for_a_superseded_revision_does_nothing(kb):
    document = add_text(kb, "notes.txt", "old text", run=False)
    old_revision = document.revision
    document = services.reindex_document(document=document)
    from rag.ingestion import ingest_document

    assert ingest_document(document.pk, old_revision) is None
    document.refresh_from_db()
    assert document.status == Document.QUEUED and document.chunk_count == 0
