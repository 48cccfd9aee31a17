"""Knowledge bases over the API: create (embedding model and chunking fixed, chunk size capped),
read, rename, re-index on a new chunking policy, delete; roles and project scoping."""
from __future__ import annotations

import pytest

from rag.models import Document, KnowledgeBase
from tests.conftest import client_for, make_key
from tests.rag.factories import TEST_EMBEDDER, add_text, make_kb

pytestmark = pytest.mark.django_db


def test_create_defaults_to_the_local_model_with_chunks_capped_at_what_it_reads(api):
    response = api.post("/api/v1/knowledge-bases", {"name": "handbook", "chunking": {"chunk_tokens": 512}},
                        format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id"].startswith("kb_")
    assert (body["embedding_model"], body["dimensions"]) == ("local/all-minilm-l6-v2", 384)
    assert body["chunking"]["chunk_tokens"] == 200 and body["chunking"]["overlap_tokens"] == 32
    assert body["chunking"]["strategy"] == "markdown" and body["document_count"] == 0


def test_create_validates_the_model_and_the_policy_naming_fields(api):
    unknown = api.post("/api/v1/knowledge-bases", {"name": "x", "embedding_model": "cohere/embed"}, format="json")
    assert unknown.status_code == 400
    assert "embedding_model" in unknown.json()["errors"]
    no_key = api.post("/api/v1/knowledge-bases", {"name": "x", "embedding_model": "openai/text-embedding-3-small"},
                      format="json")
    assert no_key.status_code == 400 and "api_key" in no_key.json()["errors"]["embedding_model"][0]
    overlap = api.post("/api/v1/knowledge-bases", {"name": "x", "chunking": {"chunk_tokens": 100,
                                                                          "overlap_tokens": 90}}, format="json")
    assert overlap.status_code == 400 and "overlap_tokens" in overlap.json()["errors"]["chunking"][0]
    extra = api.post("/api/v1/knowledge-bases", {"name": "x", "chunking": {"size": 3}}, format="json")
    assert extra.status_code == 400 and "chunking.size" in extra.json()["errors"]


def test_names_are_unique_per_project_and_creates_are_idempotent(api):
    first = api.post("/api/v1/knowledge-bases", {"name": "kb"}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    replay = api.post("/api/v1/knowledge-bases", {"name": "kb"}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert replay.status_code == 201 and replay.json()["id"] == first.json()["id"]
    clash = api.post("/api/v1/knowledge-bases", {"name": "kb"}, format="json")
    assert clash.status_code == 409 and "name" in clash.json()["errors"]


def test_list_get_and_rename(api, project):
    kb = make_kb(project, "manuals")
    listed = api.get("/api/v1/knowledge-bases").json()
    assert [k["name"] for k in listed["data"]] == ["manuals"] and listed["next_cursor"] is None
    assert api.get(f"/api/v1/knowledge-bases/{kb.pk}").json()["embedding_model"] == TEST_EMBEDDER
    assert api.get("/api/v1/knowledge-bases/manuals").json()["id"] == kb.pk
    renamed = api.patch(f"/api/v1/knowledge-bases/{kb.pk}", {"description": "Product manuals"}, format="json")
    assert renamed.status_code == 200 and renamed.json()["description"] == "Product manuals"


def test_a_new_chunking_policy_requeues_every_document(api, project):
    kb = make_kb(project, "manuals", chunking={"strategy": "recursive"})
    document = add_text(kb, "a.md", "# A\nSome text.")
    response = api.patch(f"/api/v1/knowledge-bases/{kb.pk}", {"chunking": {"chunk_tokens": 64,
                                                                           "overlap_tokens": 8}}, format="json")
    assert response.status_code == 200
    assert response.json()["chunking"] | {"separators": None} == {
        "strategy": "recursive", "chunk_tokens": 64, "overlap_tokens": 8, "separators": None}
    document.refresh_from_db()
    assert document.status == Document.QUEUED and document.chunk_count == 1  # old chunks serve until replaced


def test_another_projects_knowledge_base_is_not_found(api, other_project):
    kb = make_kb(other_project, "secret")
    assert api.get(f"/api/v1/knowledge-bases/{kb.pk}").status_code == 404
    assert api.post(f"/api/v1/knowledge-bases/{kb.pk}/query", {"query": "x"}, format="json").status_code == 404


def test_roles_viewers_read_developers_write_admins_delete(project):
    kb = make_kb(project, "manuals")
    viewer, developer, admin = (client_for(make_key(project, role)) for role in ("viewer", "developer", "admin"))
    assert viewer.get("/api/v1/knowledge-bases").status_code == 200
    assert viewer.post("/api/v1/knowledge-bases", {"name": "n"}, format="json").status_code == 403
    assert viewer.post(f"/api/v1/knowledge-bases/{kb.pk}/query", {"query": "x"}, format="json").status_code == 200
    assert developer.post("/api/v1/knowledge-bases", {"name": "n", "embedding_model": TEST_EMBEDDER},
                          format="json").status_code == 201
    assert developer.delete(f"/api/v1/knowledge-bases/{kb.pk}").status_code == 403
    assert admin.delete(f"/api/v1/knowledge-bases/{kb.pk}").status_code == 204
    assert not KnowledgeBase.objects.filter(pk=kb.pk).exists()
