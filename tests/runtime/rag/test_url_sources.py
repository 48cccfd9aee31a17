"""URL documents go through the HTTP tool's SSRF-safe fetch; refusals become document errors."""
from __future__ import annotations

import functools
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from runtime.errors import DocumentFetchFailed, DocumentUrlRefused
from runtime.rag.ingest import fetch_source, prepare_document
from runtime.tools.http_client import fetch_url
from runtime.tools.ssrf import HttpPolicy

PAGE = b"<html><head><title>Docs</title></head><body><main><h1>Docs</h1><p>Hello from the page.</p></main></body></html>"


class PageHandler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path != "/guide/page.html":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)


@pytest.fixture
def base_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), PageHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_a_url_to_a_private_address_is_refused_with_a_document_error(base_url):
    fetch = functools.partial(fetch_url, policy=HttpPolicy())
    with pytest.raises(DocumentUrlRefused) as info:
        fetch_source(f"{base_url}/guide/page.html", fetch)
    assert info.value.code == "document_url_refused"
    assert "non-public" in info.value.message


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest/meta-data/", "http://10.1.2.3/doc.pdf",
                                 "file:///etc/passwd", "http://0x7f.1/"])
def test_metadata_private_and_non_http_urls_are_refused(url):
    with pytest.raises(DocumentUrlRefused):
        fetch_source(url, functools.partial(fetch_url, policy=HttpPolicy()))


def test_an_allow_listed_url_is_fetched_and_prepared(base_url):
    fetch = functools.partial(fetch_url, policy=HttpPolicy(allow=("127.0.0.1",)))
    source = fetch_source(f"{base_url}/guide/page.html", fetch)
    assert source.filename == "page.html"
    assert source.content_type.startswith("text/html")
    prepared = prepare_document(source.content, content_type=source.content_type, filename=source.filename)
    assert prepared.document.title == "Docs"
    assert [c.text for c in prepared.chunks] == ["# Docs\n\nHello from the page."]


def test_an_http_error_status_is_a_fetch_failure_not_a_refusal(base_url):
    fetch = functools.partial(fetch_url, policy=HttpPolicy(allow=("127.0.0.1",)))
    with pytest.raises(DocumentFetchFailed) as info:
        fetch_source(f"{base_url}/missing.pdf", fetch)
    assert "404" in info.value.message
