"""PDF text extraction with `pypdf` (pure Python, maintained). One `Section` per page with text.

Scanned PDFs (images only) have no text layer: they end as `document_empty` (no OCR here).
"""
from __future__ import annotations

import io
import re

from runtime.errors import DocumentCorrupt, DocumentEncrypted, DocumentError
from runtime.rag.documents import ExtractedDocument, Section

_TRAILING_SPACES = re.compile(r"[ \t]+\n")
_BLANK_RUNS = re.compile(r"\n{3,}")


def extract_pdf(content: bytes) -> ExtractedDocument:
    """Extract the text of every page; raise `DocumentCorrupt`/`DocumentEncrypted` when unreadable."""
    try:
        pages, title = _read_pages(content)
    except DocumentError:
        raise
    except Exception as exc:  # pypdf raises many types on damaged files; all mean "corrupt"
        raise DocumentCorrupt(f"the PDF could not be read: {type(exc).__name__}: {exc}") from exc
    parts: list[str] = []
    sections: list[Section] = []
    offset = 0
    for number, page_text in enumerate(pages, start=1):
        cleaned = _clean(page_text)
        if not cleaned:
            continue
        if parts:
            offset += 2  # the "\n\n" joining pages
        sections.append(Section(start=offset, end=offset + len(cleaned), page=number))
        parts.append(cleaned)
        offset += len(cleaned)
    return ExtractedDocument(text="\n\n".join(parts), format="pdf", title=title, sections=sections,
                             metadata={"pages": len(pages)})


def _read_pages(content: bytes) -> tuple[list[str], str | None]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    if reader.is_encrypted and not reader.decrypt(""):
        raise DocumentEncrypted("the PDF is password-protected")
    pages = [page.extract_text() or "" for page in reader.pages]
    meta = reader.metadata
    title = str(meta.title).strip() if meta is not None and meta.title else None
    return pages, title or None


def _clean(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    text = _TRAILING_SPACES.sub("\n", text)
    return _BLANK_RUNS.sub("\n\n", text).strip()
