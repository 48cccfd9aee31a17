"""What extraction makes of a document's bytes (`runtime.rag.extract` and its HTML and PDF
readers, which import this module rather than the dispatcher that imports them)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Section:
    """A span of `ExtractedDocument.text` with where it came from (a PDF page)."""

    start: int
    end: int
    page: int | None = None


@dataclass
class ExtractedDocument:
    """Plain (or Markdown) text of a document, ready for chunking."""

    text: str
    format: str  # one of runtime.rag.extract.FORMATS
    title: str | None = None
    sections: list[Section] = field(default_factory=list)  # empty: the whole text is one section
    metadata: dict[str, Any] = field(default_factory=dict)  # e.g. {"pages": 3, "encoding": "utf-8"}
