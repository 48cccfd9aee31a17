"""Knowledge bases in the admin console: documents inline with status and errors, upload page,
re-index and delete actions, query playground; project scoping and roles."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from rag import vector_index
from rag.models import Chunk, Document, KnowledgeBase
from tests.admin.conftest import console_client, staff_user
from tests.rag.factories import TEST_EMBEDDER, add_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def root():
    return console_client(staff_user("root", superuser=True))


def member(project, role):
    return console_client(staff_user(f"m-{role}", project=project, role=role))


def kb_page(kb, page="change/"):
    from django.contrib.admin.utils import quote  # admin URLs escape "_" in ids

    return f"/admin/rag/knowledgebase/{quote(kb.pk)}/{page}"


def test_the_knowledge_base_page_lists_documents_with_status_and_error(root, kb):
    add_text(kb, "good.txt", "Fine content.")
    add_text(kb, "empty.txt", "")
    page = root.get(kb_page(kb)).content.decode()
    assert "good.txt" in page and "empty.txt" in page
    assert "ac-status-succeeded" in page and "ac-status-failed" in page
    assert "document_empty: the file is empty" in page
    assert "Add document" in page and "Query playground" in page


def test_creating_a_knowledge_base_in_the_console_builds_its_index(root, project):
    response = root.post("/admin/rag/knowledgebase/add/", {
        "project": project.pk, "name": "console-kb", "description": "", "embedding_model": TEST_EMBEDDER,
        "strategy": "markdown", "chunk_tokens": 500, "overlap_tokens": 20})
    assert response.status_code == 302, response.content.decode()[:2000]
    kb = KnowledgeBase.objects.get(name="console-kb")
    assert kb.chunking["chunk_tokens"] == 200
    with connection.cursor() as cur:
        assert vector_index.index_exists(cur, kb.pk)
    refused = root.post("/admin/rag/knowledgebase/add/", {"project": project.pk, "name": "x",
                                                          "embedding_model": "nope/model"})
    assert refused.status_code == 200 and "unknown embedding model" in refused.content.decode()


def test_the_upload_page_queues_a_document(root, kb):
    upload = SimpleUploadedFile("notes.md", b"# Notes\nUploaded from the console.", content_type="text/markdown")
    response = root.post(kb_page(kb, "upload/"), {"file": upload, "metadata": '{"lang": "en"}'})
    assert response.status_code == 302
    document = Document.objects.get(knowledge_base=kb)
    assert (document.name, document.status, document.metadata) == ("notes.md", "queued", {"lang": "en"})
    bad = root.post(kb_page(kb, "upload/"), {"text": "pasted", "metadata": "[1]"})
    assert bad.status_code == 400
    page = bad.content.decode()
    assert "must be a JSON object" in page and "A pasted text needs a name." in page


def test_the_playground_shows_hits_with_scores(root, kb):
    add_text(kb, "refunds.txt", "Refunds reach the card in five days.", metadata={"lang": "en"})
    page = root.get(kb_page(kb, "playground/"), {"query": "refunds card", "top_k": 3, "mode": "vector",
                                                 "filter": '{"lang": "en"}'})
    assert page.status_code == 200
    html = page.content.decode()
    assert "1 hit" in html and "refunds.txt" in html and "Refunds reach the card" in html
    bad = root.get(kb_page(kb, "playground/"), {"query": "x", "top_k": 3, "mode": "vector",
                                                "filter": '{"lang": {"regex": 1}}'})
    assert bad.status_code == 400 and "unknown operator" in bad.content.decode()


def test_reindex_and_delete_actions_respect_roles(project, kb):
    document = add_text(kb, "a.txt", "Alpha.")
    developer = member(project, "developer")
    changelist = "/admin/rag/document/"
    developer.post(changelist, {"action": "reindex_selected", "_selected_action": [document.pk]})
    document.refresh_from_db()
    assert document.status == Document.QUEUED
    developer.post(changelist, {"action": "delete_selected_documents", "_selected_action": [document.pk]})
    assert Document.objects.filter(pk=document.pk).exists()  # deleting needs deploy_project
    admin = member(project, "admin")
    admin.post(changelist, {"action": "delete_selected_documents", "_selected_action": [document.pk]})
    assert not Document.objects.filter(pk=document.pk).exists()
    assert not Chunk.objects.filter(document_id=document.pk).exists()


def test_other_projects_knowledge_bases_are_invisible(other_project, kb):
    outsider = member(other_project, "owner")
    assert outsider.get(kb_page(kb)).status_code == 404
    assert outsider.get(kb_page(kb, "playground/"), {"query": "x"}).status_code == 404
    assert "docs" not in outsider.get("/admin/rag/knowledgebase/").content.decode()
