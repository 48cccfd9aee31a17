"""Requests a tool cannot put on the wire are typed tool refusals, never a bare InvalidURL or
UnicodeEncodeError (issue 15, item 12): a redirect to a malformed URL and a non-ASCII header value
(e.g. a secret containing "é"). Real HTTP server on 127.0.0.1, allow-listed."""
from __future__ import annotations

import functools
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from runtime.errors import DocumentFetchFailed, DocumentUrlRefused, ToolRefused
from runtime.rag.ingest import fetch_source
from runtime.tools.http_client import HttpRequest, SafeHttpClient, fetch_url
from runtime.tools.ssrf import HttpPolicy

POLICY = HttpPolicy(allow=("127.0.0.1",), timeout_s=5)


class Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        port = self.server.server_address[1]
        if self.path.startswith("/bad-redirect"):
            self.send_response(302)
            self.send_header("Location", f"http:127.0.0.1:{port}:x:y/x")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


@pytest.fixture
def base_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.mark.parametrize("location_base", ["http:", "https:"])
def test_a_non_ascii_header_value_is_a_tool_refusal(base_url, location_base):
    with pytest.raises(ToolRefused) as info:
        SafeHttpClient().send(HttpRequest("GET", f"{base_url}/", {"X-Secret": "caf\u00e9\u4e2d"}), POLICY)
    assert info.value.code == "tool_refused"
    assert "caf" not in info.value.message  # the value (maybe a secret) is never quoted


def test_a_redirect_to_a_malformed_url_is_a_tool_refusal(base_url):
    try:
        response = SafeHttpClient().send(HttpRequest("GET", f"{base_url}/bad-redirect"), POLICY)
    except ToolRefused as refused:
        assert refused.code == "tool_refused"
    else:  # a URL the client could still make sense of must have been fetched under the policy
        assert response.status in (200, 404)


def test_url_ingestion_of_a_malformed_redirect_is_a_document_error(base_url):
    with pytest.raises((DocumentUrlRefused, DocumentFetchFailed)):
        fetch_source(f"{base_url}/bad-redirect", functools.partial(fetch_url, policy=POLICY))
