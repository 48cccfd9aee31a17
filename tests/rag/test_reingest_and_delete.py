"""Re-ingesting unchanged content adds nothing; changed content replaces a document's chunks
atomically; deleting a document (or the knowledge base) removes its chunks."""
from __future__ import annotations

import pytest
from django.db import connection

from rag import services, vector_index
from rag.models import Chunk, Document, KnowledgeBase
from rag.retrieval import query_hits
from tests.rag.factories import add_text, ingest, make_kb

pytestmark = pytest.mark.django_db


def chunk_ids(document):
    return sorted(Chunk.objects.filter(document=document).values_list("id", flat=True))


def test_uploading_unchanged_content_again_is_a_no_op(kb):
    document = add_text(kb, "faq.txt", "Passwords expire every ninety days.")
    before = (chunk_ids(document), document.revision, document.updated_at)
    again, queued = services.add_document(kb=kb, name="faq.txt", source="text",
                                          content=b"Passwords expire every ninety days.")
    assert not queued and again.pk == document.pk
    again.refresh_from_db()
    assert (chunk_ids(again), again.revision, again.updated_at) == before
    assert Chunk.objects.filter(knowledge_base=kb).count() == 1


def test_reposting_a_url_whose_bytes_are_unchanged_keeps_its_chunks(kb):
    def fetch(url):
        return "text/plain", b"Sessions last eight hours."

    document, _ = services.add_document(kb=kb, name="faq", source="url", url="https://docs.example/faq.txt")
    document = ingest(document, fetch=fetch)
    before = chunk_ids(document)
    assert document.status == Document.READY and before
    again, queued = services.add_document(kb=kb, name="faq", source="url", url="https://docs.example/faq.txt")
    assert queued and again.status == Document.QUEUED  # the bytes are only known once fetched
    again = ingest(again, fetch=fetch)
    assert again.status == Document.READY and chunk_ids(again) == before


def test_an_explicit_reindex_embeds_unchanged_bytes_again(kb):
    document = add_text(kb, "faq.txt", "Sessions last eight hours.")
    before = chunk_ids(document)
    document = ingest(services.reindex_document(document=document))
    assert document.status == Document.READY, document.error
    assert chunk_ids(document) != before


def test_changed_content_replaces_the_chunks(kb):
    document = add_text(kb, "faq.txt", "Passwords expire every ninety days.")
    old = chunk_ids(document)
    document = add_text(kb, "faq.txt", "Passwords never expire.\n\nUse a hardware key for admin accounts.")
    new = chunk_ids(document)
    assert document.status == Document.READY and new and not set(old) & set(new)
    assert Document.objects.filter(knowledge_base=kb).count() == 1
    texts = " ".join(Chunk.objects.filter(knowledge_base=kb).values_list("text", flat=True))
    assert "ninety" not in texts and "hardware key" in texts
    assert document.chunk_count == len(new)


def test_changed_metadata_alone_reingests_with_the_new_metadata(kb):
    document = add_text(kb, "faq.txt", "Tokens rotate weekly.", metadata={"lang": "en"})
    document = add_text(kb, "faq.txt", "Tokens rotate weekly.", metadata={"lang": "fr"})
    assert query_hits(kb, "tokens", filter={"lang": "fr"})[0].document_id == document.pk
    assert query_hits(kb, "tokens", filter={"lang": "en"}) == []


def test_old_chunks_stay_searchable_until_the_new_ones_are_in(kb):
    document = add_text(kb, "faq.txt", "Backups run nightly.")
    services.add_document(kb=kb, name="faq.txt", source="text", content=b"Backups run hourly.")
    assert query_hits(kb, "backups nightly", top_k=1)[0].text == "Backups run nightly."
    ingest(Document.objects.get(pk=document.pk))
    assert query_hits(kb, "backups", top_k=5)[0].text == "Backups run hourly."


def test_deleting_a_document_removes_its_chunks(kb):
    keep = add_text(kb, "keep.txt", "Keep this paragraph about invoices.")
    drop = add_text(kb, "drop.txt", "Drop this paragraph about invoices.")
    services.delete_document(document=drop)
    assert not Chunk.objects.filter(document_id=drop.pk).exists()
    assert [h.document_id for h in query_hits(kb, "paragraph invoices", top_k=5)] == [keep.pk]


def test_deleting_the_knowledge_base_removes_chunks_documents_and_its_index(kb):
    add_text(kb, "a.txt", "Some text.")
    with connection.cursor() as cur:
        assert vector_index.index_exists(cur, kb.pk)
    kb_id = kb.pk
    services.delete_knowledge_base(kb=kb)
    assert not KnowledgeBase.objects.filter(pk=kb_id).exists()
    assert not Chunk.objects.filter(knowledge_base_id=kb_id).exists()
    assert not Document.objects.filter(knowledge_base_id=kb_id).exists()
    with connection.cursor() as cur:
        assert not vector_index.index_exists(cur, kb_id)


def test_indexes_of_knowledge_bases_deleted_with_their_project_are_pruned(project, other_project):
    orphan = make_kb(other_project, "gone")
    other_project.delete()  # the cascade deletes rows, not the partial index
    with connection.cursor() as cur:
        assert vector_index.index_exists(cur, orphan.pk)
    make_kb(project, "fresh")
    with connection.cursor() as cur:
        assert not vector_index.index_exists(cur, orphan.pk)


def test_a_new_embedding_model_empties_rebuilds_the_index_and_reingests(kb):
    from rag.embedders import register_embedder, unregister_embedder
    from tests.runtime.rag.hashing_embedder import HashingEmbedder

    class Hashing128(HashingEmbedder):
        name, max_chunk_tokens = "test/hashing-128", 100

        def __init__(self, config=None):
            super().__init__(dimensions=128)

    register_embedder("test/hashing-128", Hashing128)
    try:
        document = add_text(kb, "a.md", "# Alpha\nAlpha text about comets.")
        kb, reindexing = services.update_knowledge_base(kb=kb, embedding_model="test/hashing-128",
                                                        chunking={"chunk_tokens": 150})
        assert reindexing and (kb.dimensions, kb.chunking["chunk_tokens"], kb.chunking["strategy"]) == (
            128, 100, "markdown")
        assert not Chunk.objects.filter(knowledge_base=kb).exists()
        document.refresh_from_db()
        assert (document.status, document.chunk_count) == (Document.QUEUED, 0)
        document = ingest(document)
        assert document.status == Document.READY, document.error
        assert query_hits(kb, "comets", top_k=1)[0].document_id == document.pk
        with connection.cursor() as cur:
            cur.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [vector_index.index_name(kb.pk)])
            assert "vector(128)" in cur.fetchone()[0]
        _, again = services.update_knowledge_base(kb=kb, chunking={"chunk_tokens": 100})
        assert not again  # the same effective policy: nothing to re-index
    finally:
        unregister_embedder("test/hashing-128")
