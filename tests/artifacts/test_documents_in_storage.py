"""Document bytes live in the artifacts storage: uploads stream there, ingestion reads them back,
identical bytes share one object, and objects no document references are collected."""
from __future__ import annotations

import io

import psycopg
import pytest
from django.test import override_settings

from agent_platform import artifacts
from rag import services
from rag.embedders import register_embedder, unregister_embedder
from rag.models import Chunk, Document, DocumentContent
from retention import artifacts_gc
from tests.conftest import client_for, make_key
from tests.rag.factories import TEST_EMBEDDER, Hashing384, ingest, make_kb

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def test_embedder():
    register_embedder(TEST_EMBEDDER, Hashing384)
    yield
    unregister_embedder(TEST_EMBEDDER)


def test_an_upload_is_stored_by_content_and_ingested_from_storage(artifacts_backend, project):
    kb = make_kb(project)
    body = b"# Backups\n\nBackups run hourly and are kept for thirty days.\n"
    upload = io.BytesIO(body)
    upload.name = "backups.md"
    response = client_for(make_key(project, "developer")).post(
        f"/api/v1/knowledge-bases/{kb.pk}/documents", {"file": upload}, format="multipart")
    assert response.status_code == 202, response.content
    content = DocumentContent.objects.get(document_id=response.json()["id"])
    assert content.size == len(body)
    assert artifacts.read_bytes(content.artifact_key) == body
    assert not hasattr(content, "data")  # no bytes in PostgreSQL
    document = ingest(Document.objects.get(pk=content.document_id))
    assert document.status == Document.READY
    assert "hourly" in Chunk.objects.get(document=document).text


def test_identical_documents_share_one_object_until_both_are_gone(artifacts_backend, project):
    kb = make_kb(project)
    first, _ = services.add_document(kb=kb, name="a.txt", source="text", content=b"shared bytes")
    second, _ = services.add_document(kb=kb, name="b.txt", source="text", content=b"shared bytes")
    key = first.content.artifact_key
    assert second.content.artifact_key == key
    assert list(artifacts.iter_keys(artifacts.DOCUMENTS)) == [key]
    with override_settings(RETENTION_BLOB_GRACE_S=0):
        services.delete_document(document=first)
        assert artifacts_gc.collect_orphan_objects(dry_run=False, batch_size=100)["artifacts"] == 0
        assert artifacts.exists(key)
        services.delete_document(document=second)
        assert artifacts_gc.collect_orphan_objects(dry_run=True, batch_size=100)["artifacts"] == 1
        assert artifacts.exists(key)  # a dry run deletes nothing
        assert artifacts_gc.collect_orphan_objects(dry_run=False, batch_size=100)["artifacts"] == 1
    assert not artifacts.exists(key)


def test_objects_younger_than_the_grace_period_are_kept(artifacts_backend, project):
    kb = make_kb(project)
    document, _ = services.add_document(kb=kb, name="a.txt", source="text", content=b"fresh bytes")
    key = document.content.artifact_key
    services.delete_document(document=document)
    with override_settings(RETENTION_BLOB_GRACE_S=3600):
        assert artifacts_gc.collect_orphan_objects(dry_run=False, batch_size=100)["artifacts"] == 0
    assert artifacts.exists(key)


@pytest.mark.django_db(transaction=True)  # the writer's lock is released at its commit
def test_the_collector_skips_an_object_whose_writer_holds_its_lock(artifacts_backend, project):
    """A writer holds the key's advisory lock while it ensures the object and commits its row; the
    collector never waits for it and never deletes under it."""
    kb = make_kb(project)
    document, _ = services.add_document(kb=kb, name="a.txt", source="text", content=b"being rewritten")
    key = document.content.artifact_key
    services.delete_document(document=document)
    with psycopg.connect(**writer_params(), autocommit=True) as other, other.cursor() as cur:
        with artifacts.key_lock(cur, key), override_settings(RETENTION_BLOB_GRACE_S=0):
            assert artifacts_gc.collect_orphan_objects(dry_run=False, batch_size=100)["artifacts"] == 0
            assert artifacts.exists(key)
    with override_settings(RETENTION_BLOB_GRACE_S=0):
        assert artifacts_gc.collect_orphan_objects(dry_run=False, batch_size=100)["artifacts"] == 1


def writer_params() -> dict:
    from django.db import connection

    params = connection.get_connection_params()
    for name in ("cursor_factory", "context", "server_side_binding", "prepare_threshold"):
        params.pop(name, None)
    return params
