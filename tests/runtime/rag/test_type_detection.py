"""The format comes from the content type, then the extension, then the bytes."""
from __future__ import annotations

import pytest

from runtime.rag.extract import detect_format


@pytest.mark.parametrize("content_type, expected", [
    ("text/markdown", "markdown"), ("text/html; charset=utf-8", "html"), ("application/pdf", "pdf"),
    ("text/plain", "text"), ("text/csv", "text"), ("APPLICATION/XHTML+XML", "html"),
])
def test_content_type_decides_first(content_type, expected):
    assert detect_format(b"whatever", content_type=content_type, filename="file.pdf") == expected


@pytest.mark.parametrize("filename, expected", [
    ("README.md", "markdown"), ("index.HTM", "html"), ("paper.pdf", "pdf"), ("notes.txt", "text"),
])
def test_extension_decides_when_content_type_is_generic(filename, expected):
    assert detect_format(b"whatever", content_type="application/octet-stream", filename=filename) == expected


@pytest.mark.parametrize("content, expected", [
    (b"%PDF-1.5\n...", "pdf"), (b"  <!DOCTYPE html><html></html>", "html"), (b"<html lang=en>", "html"),
    (b"plain words", "text"),
])
def test_bytes_decide_last(content, expected):
    assert detect_format(content, content_type=None, filename=None) == expected


def test_unknown_text_extension_falls_back_to_sniffing():
    assert detect_format(b"2024-01-01 started", filename="server.log") == "text"
