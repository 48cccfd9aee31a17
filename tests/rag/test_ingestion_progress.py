"""A job reports progress on the document row and live on Redis (`kb-events:<kb_id>`)."""
from __future__ import annotations

import json
import time

import pytest

from agent_platform.redis_client import redis_client
from rag import services
from rag.models import Document
from tests.rag.factories import ingest

pytestmark = pytest.mark.django_db


def test_progress_and_completion_are_published_for_the_knowledge_base(kb):
    pubsub = redis_client().pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(f"kb-events:{kb.pk}")
    try:
        text = "\n\n".join(f"Paragraph {i} about topic {i}. " * 12 for i in range(40))
        document, _ = services.add_document(kb=kb, name="long.txt", source="text", content=text.encode())
        document = ingest(document)
        assert document.status == Document.READY and document.progress == 1.0 and document.chunk_count > 1
        events: list[dict] = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not (events and events[-1]["type"] == "document.ready"):
            message = pubsub.get_message(timeout=1)  # None also for the (ignored) subscribe confirmation
            if message is not None:
                events.append(json.loads(message["data"]))
    finally:
        pubsub.close()
    progress = [e for e in events if e["type"] == "document.progress"]
    assert progress and progress[-1]["done"] == progress[-1]["total"] == document.chunk_count
    assert progress[-1]["progress"] == 1.0 and progress[0]["document_id"] == document.pk
    assert events[-1] == {"type": "document.ready", "document_id": document.pk, "status": "ready",
                          "chunk_count": document.chunk_count}
