"""Text extraction: bytes of an uploaded or fetched document -> `ExtractedDocument`.

Formats: plain text, Markdown (kept as Markdown so the chunker sees headings), HTML
(boilerplate stripped, headings turned into Markdown `#` lines; see `html_text`) and PDF
(`pypdf`; one section per page so chunks keep their page number; see `pdf_text`).

The format is taken from the content type, then the file extension, then the content itself
(`%PDF-` magic, an HTML prologue, or text that decodes cleanly). Failures raise a
`DocumentError` subclass whose message is fit for the document's `error` field:
`document_empty`, `document_unsupported_type`, `document_corrupt`, `document_encrypted`.
"""
from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

from runtime.errors import DocumentCorrupt, DocumentEmpty, DocumentUnsupportedType
from runtime.rag.documents import ExtractedDocument
from runtime.rag.text_stream import EncodingSniffer, decode_pieces

FORMATS = ("text", "markdown", "html", "pdf")

_CONTENT_TYPES = {
    "text/plain": "text", "text/markdown": "markdown", "text/x-markdown": "markdown",
    "text/html": "html", "application/xhtml+xml": "html",
    "application/pdf": "pdf", "application/x-pdf": "pdf",
}
_GENERIC_CONTENT_TYPES = {"", "application/octet-stream", "binary/octet-stream", "application/unknown"}
_EXTENSIONS = {
    ".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown", ".mdown": "markdown",
    ".mkd": "markdown", ".html": "html", ".htm": "html", ".xhtml": "html", ".pdf": "pdf",
}
# Common binary formats that are not supported, refused by name even if their bytes happen to decode.
_BINARY_EXTENSIONS = {".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".odt", ".ods", ".odp", ".epub", ".rtf",
                      ".zip", ".gz", ".tgz", ".tar", ".7z", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".tiff",
                      ".mp3", ".mp4", ".wav", ".mov", ".exe", ".dll", ".so", ".bin"}
_HTML_PROLOGUE = re.compile(rb"^\s*(<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])", re.IGNORECASE)
_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)


def extract(content: bytes, *, content_type: str | None = None, filename: str | None = None) -> ExtractedDocument:
    """Extract text from `content`; raise a `DocumentError` with a clear message if that is impossible."""
    if not content:
        raise DocumentEmpty("the file is empty")
    fmt = detect_format(content, content_type=content_type, filename=filename)
    if fmt == "pdf":
        from runtime.rag.pdf_text import extract_pdf

        doc = extract_pdf(content)
    elif fmt == "html":
        from runtime.rag.html_text import extract_html

        doc = extract_html(decode_text(content, charset=charset_of(content_type)))
    else:
        doc = _extract_plain(decode_text(content, charset=charset_of(content_type)), fmt)
    if not doc.text.strip():
        raise DocumentEmpty(f"no text found in the {fmt} document")
    return doc


def detect_format(content: bytes, *, content_type: str | None = None, filename: str | None = None) -> str:
    """Return one of FORMATS from the content type, then the extension, then the bytes."""
    mime = (content_type or "").split(";")[0].strip().lower()
    if mime in _CONTENT_TYPES:
        return _CONTENT_TYPES[mime]
    if mime.startswith("text/"):
        return "text"
    if mime not in _GENERIC_CONTENT_TYPES:
        raise DocumentUnsupportedType(f"unsupported content type {mime!r}; supported: text, Markdown, HTML, PDF")
    suffix = PurePosixPath(filename or "").suffix.lower()
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    if suffix in _BINARY_EXTENSIONS:
        raise DocumentUnsupportedType(f"unsupported document type: {suffix!r} files; supported: text, Markdown, HTML, PDF")
    head = content[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if _HTML_PROLOGUE.match(head):
        return "html"
    if _looks_like_text(content[:8192]):
        return "text"
    what = f"{suffix!r} files" if suffix else "this file type"
    raise DocumentUnsupportedType(f"unsupported document type: {what}; supported: text, Markdown, HTML, PDF")


def decode_text(content: bytes, *, charset: str | None = None) -> str:
    """Decode text bytes: BOM, then the declared charset, then UTF-8, then Windows-1252.

    Newlines are normalised to `\\n`. Binary data (NUL or many control characters) raises
    `DocumentCorrupt`. (`text_stream` does the same piece by piece, for large files.)
    """
    sniffer = EncodingSniffer(charset)
    sniffer.feed(content)
    return "".join(decode_pieces([content], sniffer.result()))


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        decode_text(head)
    except DocumentCorrupt:
        return False
    return True


def charset_of(content_type: str | None) -> str | None:
    """The `charset=` parameter of a content type, if any."""
    match = re.search(r"charset=\"?([\w.:-]+)", content_type or "", re.IGNORECASE)
    return match.group(1) if match else None


def _extract_plain(text: str, fmt: str) -> ExtractedDocument:
    metadata: dict[str, Any] = {}
    title = None
    if fmt == "markdown":
        text, front = strip_front_matter(text)
        if front is not None:
            metadata["front_matter"] = front
        heading = re.search(r"^#\s+(.+?)\s*#*\s*$", text, re.MULTILINE)
        title = heading.group(1) if heading else None
    return ExtractedDocument(text=text, format=fmt, title=title, metadata=metadata)


def strip_front_matter(text: str) -> tuple[str, str | None]:
    """Markdown text without its YAML front matter (metadata, not content), and the front matter."""
    front = _FRONT_MATTER.match(text)
    return (text[front.end():], front.group(1)) if front else (text, None)
