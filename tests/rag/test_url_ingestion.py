"""URL documents are fetched by the job through the SSRF-safe HTTP client: a local server is
reachable only when the project's allow-list names it."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rag import services
from rag.models import Document
from rag.retrieval import query_hits
from tests.rag.factories import ingest

pytestmark = pytest.mark.django_db
PAGE = (b"<html><head><title>Runbook</title></head><body><nav>Menu Home About</nav><main><h1>Runbook</h1>"
        b"<h2>Failover</h2><p>Promote the replica, then repoint the load balancer.</p></main></body></html>")


class Handler(BaseHTTPRequestHandler):
    def log_message(self, format, *args):
        pass

    def do_GET(self):
        if self.path == "/missing.html":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)


@pytest.fixture
def site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def add_url(kb, address):
    document, _ = services.add_document(kb=kb, name=address, source="url", url=address)
    return ingest(document)


def test_an_allow_listed_local_url_is_fetched_and_indexed(kb, project, site):
    project.http_allowlist = ["127.0.0.1"]
    project.save(update_fields=["http_allowlist"])
    document = add_url(kb, f"{site}/runbook.html")
    assert document.status == Document.READY, document.error
    assert document.content_type == "text/html"
    hit = query_hits(kb, "promote the replica failover", top_k=1)[0]
    assert hit.document_id == document.pk and hit.metadata["heading_path"] == ["Runbook", "Failover"]
    assert "Menu" not in hit.text


def test_the_same_url_without_the_allow_list_is_refused(kb, site):
    document = add_url(kb, f"{site}/runbook.html")
    assert document.status == Document.FAILED
    assert document.error["type"] == "document_url_refused"
    assert "127.0.0.1" in document.error["message"]


def test_an_http_error_status_is_a_fetch_failure(kb, project, site):
    project.http_allowlist = ["127.0.0.1"]
    project.save(update_fields=["http_allowlist"])
    document = add_url(kb, f"{site}/missing.html")
    assert document.status == Document.FAILED
    assert document.error["type"] == "document_fetch_failed" and "404" in document.error["message"]
