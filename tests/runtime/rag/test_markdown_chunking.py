"""Markdown-aware chunking: sections by heading, heading paths, PDF pages."""
from __future__ import annotations

from runtime.rag.chunking import ChunkingPolicy, chunk
from runtime.rag.documents import ExtractedDocument, Section
from runtime.rag.extract import extract

GUIDE = """# Guide

Welcome to the guide.

## Install

```bash
# this comment is code, not a heading
pip install tool
```

### From source

Clone the repository and build it.

## Usage

Run the tool with a config file.
"""
MARKDOWN = ChunkingPolicy(strategy="markdown", chunk_tokens=64, overlap_tokens=8)


def test_each_chunk_records_its_heading_path():
    doc = ExtractedDocument(text=GUIDE, format="markdown")
    paths = [(c.metadata["heading_path"], c.text.splitlines()[0]) for c in chunk(doc, MARKDOWN)]
    assert paths == [
        (["Guide"], "# Guide"),
        (["Guide", "Install"], "## Install"),
        (["Guide", "Install", "From source"], "### From source"),
        (["Guide", "Usage"], "## Usage"),
    ]


def test_a_hash_line_inside_fenced_code_is_not_a_heading():
    doc = ExtractedDocument(text=GUIDE, format="markdown")
    install = [c for c in chunk(doc, MARKDOWN) if c.metadata["heading_path"] == ["Guide", "Install"]]
    assert len(install) == 1
    assert "# this comment is code" in install[0].text


def test_long_sections_are_split_but_never_merged_across_headings():
    body = " ".join(f"Step {i} configures the worker pool." for i in range(80))
    text = f"# A\n\n{body}\n\n# B\n\n{body}\n"
    chunks = chunk(ExtractedDocument(text=text, format="markdown"), MARKDOWN)
    assert {tuple(c.metadata["heading_path"]) for c in chunks} == {("A",), ("B",)}
    assert sum(1 for c in chunks if c.metadata["heading_path"] == ["A"]) > 2
    assert not any("# B" in c.text and c.metadata["heading_path"] == ["A"] for c in chunks)
    assert all(c.token_count <= 64 for c in chunks)


def test_recursive_strategy_ignores_headings():
    chunks = chunk(ExtractedDocument(text=GUIDE, format="markdown"), ChunkingPolicy(chunk_tokens=200))
    assert len(chunks) == 1
    assert chunks[0].metadata["heading_path"] == []


def test_html_headings_become_heading_paths():
    html = b"<main><h1>API</h1><p>Overview text.</p><h2>Auth</h2><p>Use a bearer token.</p></main>"
    chunks = chunk(extract(html, content_type="text/html"), MARKDOWN)
    assert [c.metadata["heading_path"] for c in chunks] == [["API"], ["API", "Auth"]]


def test_pdf_chunks_keep_their_page_and_never_span_pages():
    pages = ["Page one talks about invoices.", "Page two talks about refunds."]
    text = "\n\n".join(pages)
    doc = ExtractedDocument(text=text, format="pdf",
                            sections=[Section(0, len(pages[0]), page=1), Section(len(pages[0]) + 2, len(text), page=2)])
    chunks = chunk(doc, ChunkingPolicy(chunk_tokens=200))
    assert [(c.text, c.metadata["page"]) for c in chunks] == [(pages[0], 1), (pages[1], 2)]
