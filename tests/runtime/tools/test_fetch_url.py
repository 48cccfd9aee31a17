"""`fetch_url`, the SSRF-safe GET used by RAG URL ingestion."""
from __future__ import annotations

import pytest

from runtime.errors import ToolRefused
from runtime.tools.http_client import fetch_url
from runtime.tools.ssrf import HttpPolicy
from tests.runtime.tools.conftest import LOOPBACK
from tests.runtime.tools.local_server import Answer, redirect


def test_returns_content_type_and_bytes(server):
    server.route("/doc", lambda seen: Answer(200, b"<h1>Hi</h1>", {"Content-Type": "text/html; charset=utf-8"}))
    assert fetch_url(server.url("/doc"), LOOPBACK) == ("text/html", b"<h1>Hi</h1>")


def test_refuses_private_addresses_and_redirects_to_them(server):
    server.route("/doc", lambda seen: redirect("http://192.168.1.1/"))
    with pytest.raises(ToolRefused):
        fetch_url(server.url("/doc"), HttpPolicy())
    with pytest.raises(ToolRefused):
        fetch_url(server.url("/doc"), LOOPBACK)


def test_refuses_error_statuses_and_bodies_over_the_cap(server):
    server.route("/big", lambda seen: Answer(200, b"x" * 5000, {"Content-Type": "text/plain"}))
    with pytest.raises(ToolRefused) as err:
        fetch_url(server.url("/missing"), LOOPBACK)
    assert err.value.details["status"] == 404
    with pytest.raises(ToolRefused) as err:
        fetch_url(server.url("/big"), HttpPolicy(allow=("127.0.0.1",), max_response_bytes=1000))
    assert err.value.details["reason"] == "too_large"
