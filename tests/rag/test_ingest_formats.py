"""A small corpus of each format (text, Markdown, HTML, PDF) is extracted, chunked, embedded and
stored; queries find each one, and chunks carry their document's metadata and position."""
from __future__ import annotations

import pytest

from rag.models import Chunk, Document
from rag.retrieval import query_hits
from tests.rag.factories import add_text
from tests.runtime.rag.pdf_factory import make_pdf

pytestmark = pytest.mark.django_db

MARKDOWN = """# Operations guide

## Backups
Nightly backups are written to the cold storage bucket and kept for thirty days.

## Restores
A restore starts from the latest backup and replays the write-ahead log.
"""
HTML = """<!doctype html><html><head><title>Shipping</title></head><body>
<nav class="menu"><a href="/">Home</a> <a href="/cart">Cart navigation link</a></nav>
<div class="cookie-banner">We use cookies for tracking consent</div>
<main><h1>Shipping policy</h1><p>Parcels leave the Lyon warehouse every weekday morning.</p></main>
<footer>Copyright footer boilerplate</footer></body></html>"""


def test_plain_text_is_chunked_and_found(kb):
    document = add_text(kb, "refunds.txt", "Refunds are paid back to the original card within five days.",
                        metadata={"team": "billing"})
    assert (document.status, document.error, document.chunk_count) == (Document.READY, None, 1)
    assert document.content_hash.startswith("sha256:")
    [hit] = query_hits(kb, "refund to my card", top_k=3)
    assert hit.document_id == document.pk and hit.document_name == "refunds.txt"
    assert hit.metadata["team"] == "billing" and hit.metadata["position"] == 0
    assert hit.chunk_id.startswith("chk_")


def test_markdown_chunks_keep_their_heading_path(kb):
    document = add_text(kb, "ops.md", MARKDOWN)
    assert document.status == Document.READY
    paths = {tuple(c.metadata["heading_path"]) for c in Chunk.objects.filter(document=document)}
    assert ("Operations guide", "Restores") in paths
    best = query_hits(kb, "replay the write-ahead log restore", top_k=1)[0]
    assert best.metadata["heading_path"] == ["Operations guide", "Restores"]


def test_html_boilerplate_is_stripped(kb):
    document = add_text(kb, "shipping.html", HTML, content_type="text/html")
    assert document.status == Document.READY
    text = " ".join(Chunk.objects.filter(document=document).values_list("text", flat=True))
    assert "Lyon warehouse" in text
    assert "cookies" not in text and "navigation" not in text and "footer" not in text
    assert query_hits(kb, "Lyon warehouse parcels", top_k=1)[0].document_id == document.pk


def test_pdf_text_is_extracted_per_page(kb):
    pdf = make_pdf([["Invoices are issued on the first day of the month."],
                    ["Late payments accrue interest after thirty days."]])
    document = add_text(kb, "billing.pdf", pdf, source="upload", content_type="application/pdf")
    assert document.status == Document.READY, document.error
    pages = sorted(Chunk.objects.filter(document=document).values_list("metadata__page", flat=True))
    assert pages == [1, 2]
    best = query_hits(kb, "interest on late payments", top_k=1)[0]
    assert best.metadata["page"] == 2 and "thirty days" in best.text


def test_each_format_is_searchable_in_one_knowledge_base(kb):
    add_text(kb, "a.txt", "Alpha plain text about volcanoes.")
    add_text(kb, "b.md", "# Beta\nMarkdown about glaciers.")
    add_text(kb, "c.html", "<html><body><main><p>HTML about deserts.</p></main></body></html>",
             content_type="text/html")
    add_text(kb, "d.pdf", make_pdf([["PDF about rainforests, jungle canopy."]]), source="upload")
    found = {query_hits(kb, topic, top_k=1)[0].document_name
             for topic in ("plain volcanoes", "markdown glaciers", "html deserts", "jungle canopy")}
    assert found == {"a.txt", "b.md", "c.html", "d.pdf"}
