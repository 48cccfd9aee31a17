"""A streamed document that turns out corrupt after batches were already embedded and spooled fails
cleanly: its previous chunks are still served and no partial set is visible; a good replacement
then swaps in whole."""
from __future__ import annotations

import pytest

from rag.models import Chunk, Document
from rag.retrieval import query_hits
from tests.rag.factories import add_text

pytestmark = pytest.mark.django_db
LINES = b"The replication lag alarm fires after thirty seconds of delay.\n" * 20_000  # 1.26 MB: two pieces


def test_corruption_found_mid_stream_leaves_the_previous_chunks(kb):
    first = add_text(kb, "runbook.txt", "The pager rotation changes every Monday at nine.", source="upload")
    assert first.status == Document.READY
    before = list(Chunk.objects.filter(document=first).values_list("pk", "text"))

    broken = add_text(kb, "runbook.txt", LINES + b"\x00binary tail", content_type="text/plain", source="upload")
    assert broken.pk == first.pk and broken.status == Document.FAILED
    assert broken.error["type"] == "document_corrupt"
    assert list(Chunk.objects.filter(document=broken).values_list("pk", "text")) == before
    assert query_hits(kb, "pager rotation Monday", top_k=1)[0].document_id == first.pk

    fixed = add_text(kb, "runbook.txt", LINES + b"The pager rotation moved to Tuesdays.\n", source="upload")
    assert fixed.status == Document.READY and fixed.chunk_count > 100
    chunks = Chunk.objects.filter(document=fixed).order_by("position")
    assert chunks.count() == fixed.chunk_count and "Tuesdays" in chunks.last().text
    assert not chunks.filter(text__contains="every Monday").exists()
