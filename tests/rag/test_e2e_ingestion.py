"""End to end: the real ASGI server takes an upload (202), a real worker ingests it from the
`ingest` queue, and queries over HTTP find it; a corrupt upload fails with a clear error; a
deleted document disappears from results. Embeddings come from an OpenAI-compatible server."""
from __future__ import annotations

import uuid

import httpx
import pytest

from accounts import services as account_services
from tests.e2e.servers import start_server, start_worker, wait_until
from tests.rag.embedding_server import EmbeddingServer
from tests.runtime.rag.pdf_factory import make_pdf

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def wait_for_document(client, kb_id, document_id, status):
    def settled():
        body = client.get(f"/api/v1/knowledge-bases/{kb_id}/documents/{document_id}").json()
        return body if body["status"] in ("ready", "failed") else None
    body = wait_until(settled, timeout_s=60, what=f"document {document_id} to be ingested", interval_s=0.05)
    assert body["status"] == status, body
    return body


def test_upload_ingest_query_and_delete_through_server_and_worker(django_db_setup, tmp_path):
    project = account_services.create_project(slug=f"rag-{uuid.uuid4().hex[:6]}")
    _, key = account_services.create_api_key(project=project, name="e2e", role="owner")
    with EmbeddingServer() as embeddings:
        project.settings = {"providers": {"compat:hashing": {"base_url": embeddings.base_url}}}
        project.http_allowlist = ["127.0.0.1"]  # provider base URLs pass the SSRF guard (issue 15)
        project.save(update_fields=["settings", "http_allowlist"])
        server, base = start_server(tmp_path)
        worker = start_worker(tmp_path, f"ingest-{uuid.uuid4().hex[:6]}")
        try:
            with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=30) as client:
                kb = client.post("/api/v1/knowledge-bases", json={
                    "name": "manuals", "embedding_model": "compat:hashing/bow",
                    "embedding_config": {"dimensions": 384}}).json()
                assert kb["dimensions"] == 384, kb
                documents = f"/api/v1/knowledge-bases/{kb['id']}/documents"
                upload = client.post(documents, files={"file": ("pumps.md", b"# Pumps\nThe coolant pump relay "
                                                                 b"trips at ninety degrees.", "text/markdown")},
                                     data={"metadata": '{"product": "chiller"}'})
                assert upload.status_code == 202, upload.text
                ready = wait_for_document(client, kb["id"], upload.json()["id"], "ready")
                assert ready["chunk_count"] == 1 and ready["progress"] == 1.0

                hits = client.post(f"/api/v1/knowledge-bases/{kb['id']}/query",
                                   json={"query": "coolant pump relay", "filter": {"product": "chiller"}}).json()
                assert hits["data"][0]["document_name"] == "pumps.md"

                broken = client.post(documents, files={"file": ("manual.pdf", make_pdf([["x"]])[:100],
                                                                "application/pdf")})
                failed = wait_for_document(client, kb["id"], broken.json()["id"], "failed")
                assert failed["error"]["type"] == "document_corrupt"

                assert client.delete(f"{documents}/{ready['id']}").status_code == 204
                after = client.post(f"/api/v1/knowledge-bases/{kb['id']}/query", json={"query": "coolant"}).json()
                assert after["data"] == []
            assert embeddings.requests >= 3  # the worker embedded the chunks, the server the queries
        finally:
            worker.stop()
            server.stop()
