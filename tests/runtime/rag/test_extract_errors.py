"""Documents that cannot be ingested fail with a typed error and a clear message."""
from __future__ import annotations

import io

import pytest
from pypdf import PdfWriter

from runtime.errors import (
    DocumentCorrupt,
    DocumentEmpty,
    DocumentEncrypted,
    DocumentError,
    DocumentUnsupportedType,
)
from runtime.rag.extract import extract
from tests.runtime.rag.pdf_factory import make_pdf


def test_empty_file_is_document_empty():
    with pytest.raises(DocumentEmpty) as info:
        extract(b"", content_type="text/plain", filename="a.txt")
    assert info.value.code == "document_empty"
    assert "empty" in info.value.message


@pytest.mark.parametrize("content, filename", [
    (b"  \n\t\n ", "blank.txt"),
    (b"<html><body><nav>Only a menu</nav><script>x()</script></body></html>", "menu.html"),
])
def test_document_without_text_is_document_empty(content, filename):
    with pytest.raises(DocumentEmpty):
        extract(content, filename=filename)


def test_pdf_without_text_layer_is_document_empty():
    with pytest.raises(DocumentEmpty) as info:
        extract(make_pdf([[]]), filename="scan.pdf")
    assert "pdf" in info.value.message


@pytest.mark.parametrize("content", [
    b"%PDF-1.7\nthis is not really a PDF at all",
    make_pdf([["Hello"]])[:120],  # truncated
    b"%PDF-1.4\n" + bytes(range(256)) * 8,
])
def test_corrupt_pdf_is_document_corrupt(content):
    with pytest.raises(DocumentCorrupt) as info:
        extract(content, content_type="application/pdf", filename="broken.pdf")
    assert info.value.code == "document_corrupt"
    assert info.value.message.startswith("the PDF could not be read")


def test_password_protected_pdf_is_document_encrypted():
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.encrypt(user_password="secret", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(DocumentEncrypted):
        extract(buffer.getvalue(), filename="locked.pdf")


@pytest.mark.parametrize("content, content_type, filename", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png", "photo.png"),
    (b"PK\x03\x04\x14\x00\x06\x00", None, "report.docx"),
    (b"hello", None, "report.docx"),  # refused by name even though the bytes decode
    (b"\x00\x01\x02\x03binary\x00", None, None),
    (b"GIF89a\x01\x00", "application/octet-stream", "blob"),
])
def test_unsupported_type_is_document_unsupported_type(content, content_type, filename):
    with pytest.raises(DocumentUnsupportedType) as info:
        extract(content, content_type=content_type, filename=filename)
    assert "supported: text, Markdown, HTML, PDF" in info.value.message


def test_binary_bytes_declared_as_text_are_document_corrupt():
    with pytest.raises(DocumentCorrupt) as info:
        extract(b"abc\x00\x00\x01\x02def", content_type="text/plain")
    assert "binary" in info.value.message


def test_every_document_error_serialises_with_its_code():
    with pytest.raises(DocumentError) as info:
        extract(b"", filename="x.md")
    assert info.value.to_dict() == {"type": "document_empty", "message": "the file is empty"}
