"""RQ job entry points of the `ingest` queue: load ids, call the ingestion, nothing else."""
from __future__ import annotations


def ingest_document(document_id: str, revision: int) -> str | None:
    from rag.ingestion import ingest_document as ingest

    return ingest(document_id, revision)
