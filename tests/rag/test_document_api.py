"""Documents over the API: JSON text or URL, multipart upload with metadata, 202 with the queued
document (200 when nothing changed), size cap (413), status, re-index, delete, query."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rag.models import Chunk, Document
from tests.rag.factories import add_text, ingest

pytestmark = pytest.mark.django_db


def url(kb, suffix=""):
    return f"/api/v1/knowledge-bases/{kb.pk}/documents{suffix}"


def run_job(document_id):
    return ingest(Document.objects.get(pk=document_id))


def test_a_json_text_document_is_queued_then_ready(api, kb):
    response = api.post(url(kb), {"name": "faq.md", "text": "# FAQ\nReset links expire after an hour.",
                                  "metadata": {"lang": "en"}}, format="json")
    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["status"], body["source"], body["metadata"], body["progress"]) == ("queued", "text", {"lang": "en"}, 0.0)
    run_job(body["id"])
    shown = api.get(url(kb, f"/{body['id']}")).json()
    assert (shown["status"], shown["chunk_count"], shown["progress"], shown["error"]) == ("ready", 1, 1.0, None)
    assert shown["content_type"] == "text/markdown"


def test_posting_the_same_text_again_answers_200_and_changes_nothing(api, kb):
    payload = {"name": "faq.txt", "text": "Reset links expire after an hour."}
    first = api.post(url(kb), payload, format="json").json()
    run_job(first["id"])
    again = api.post(url(kb), payload, format="json")
    assert again.status_code == 200 and again.json()["status"] == "ready" and again.json()["id"] == first["id"]


def test_a_multipart_upload_with_metadata(api, kb):
    upload = SimpleUploadedFile("guide.md", b"# Guide\n\nAlways tag releases.", content_type="text/markdown")
    response = api.post(url(kb), {"file": upload, "metadata": '{"team": "release"}'}, format="multipart")
    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["name"], body["source"], body["metadata"]) == ("guide.md", "upload", {"team": "release"})
    document = run_job(body["id"])
    assert document.status == Document.READY
    assert Chunk.objects.get(document=document).metadata["team"] == "release"


def test_upload_errors_name_the_field(api, kb):
    bad = api.post(url(kb), {"file": SimpleUploadedFile("a.txt", b"x"), "metadata": "[1, 2]"}, format="multipart")
    assert bad.status_code == 400 and bad.json()["errors"] == {"metadata": ["must be a JSON object"]}
    missing = api.post(url(kb), {"metadata": "{}"}, format="multipart")
    assert missing.status_code == 400 and "file" in missing.json()["errors"]
    both = api.post(url(kb), {"name": "x", "text": "a", "url": "https://example.com/a"}, format="json")
    assert both.status_code == 400 and "text" in both.json()["errors"]


def test_an_upload_over_the_cap_is_413(api, kb, settings):
    settings.PLATFORM_MAX_UPLOAD_BYTES = 1000
    response = api.post(url(kb), {"file": SimpleUploadedFile("big.txt", b"word " * 400)}, format="multipart")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == {"file": ["Uploads are limited to 1000 bytes (PLATFORM_MAX_UPLOAD_BYTES)."]}
    assert not Document.objects.exists()


def test_a_failed_document_shows_its_error(api, kb):
    created = api.post(url(kb), {"name": "empty.txt", "text": ""}, format="json").json()
    run_job(created["id"])
    shown = api.get(url(kb, f"/{created['id']}")).json()
    assert shown["status"] == "failed" and shown["error"]["type"] == "document_empty"


def test_list_reindex_and_delete(api, kb):
    document = add_text(kb, "a.txt", "Alpha text.")
    add_text(kb, "b.txt", "Beta text.")
    assert [d["name"] for d in api.get(url(kb)).json()["data"]] == ["b.txt", "a.txt"]
    reindexed = api.post(url(kb, f"/{document.pk}/reindex"))
    assert reindexed.status_code == 202 and reindexed.json()["status"] == "queued"
    assert run_job(document.pk).status == Document.READY
    assert api.delete(url(kb, f"/{document.pk}")).status_code == 204
    assert api.get(url(kb, f"/{document.pk}")).status_code == 404
    assert not Chunk.objects.filter(document_id=document.pk).exists()


def test_query_returns_api_shaped_hits(api, kb):
    document = add_text(kb, "refunds.txt", "Refunds reach the card within five days.", metadata={"lang": "en"})
    response = api.post(f"/api/v1/knowledge-bases/{kb.pk}/query",
                        {"query": "refund card", "top_k": 3, "filter": {"lang": "en"}}, format="json")
    assert response.status_code == 200, response.content
    [hit] = response.json()["data"]
    assert set(hit) == {"chunk_id", "document_id", "document_name", "text", "score", "metadata"}
    assert (hit["document_id"], hit["document_name"]) == (document.pk, "refunds.txt")
    bad = api.post(f"/api/v1/knowledge-bases/{kb.pk}/query", {"query": "x", "filter": {"a": {"op": 1}}},
                   format="json")
    assert bad.status_code == 400 and "filter" in bad.json()["errors"]
    hybrid = api.post(f"/api/v1/knowledge-bases/{kb.pk}/query", {"query": "refunds", "mode": "hybrid"},
                      format="json").json()["data"]
    assert hybrid[0]["signals"]["text_rank"] == 1.0
