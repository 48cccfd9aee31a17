"""One ingestion job: source -> extract -> chunk -> embed in batches -> atomic chunk swap.

    claim      the job's revision must still be the document's (a newer upload, a re-index or a
               deletion supersedes it); status `processing`
    source     uploaded/pasted bytes from `DocumentContent`, or the URL fetched through the HTTP
               tool's SSRF-safe client under the project's allow-list
    prepare    `runtime.rag.ingest.stream_document` with the knowledge base's chunking policy
               (text and Markdown: hashed in one pass, then decoded and chunked a block at a
               time while embedding); unchanged bytes (same hash as indexed) end here: a no-op
    embed      `embed_chunks` in batches, each batch spooled to a temporary file as COPY rows
               (`rag.chunk_copy.ChunkSpool`); progress on the document row and on Redis
               (`kb-events:<kb_id>`, `{"type": "document.progress", ...}`)
    swap       one transaction: lock the document, delete its old chunks, COPY the spooled
               ones, mark it `ready` - readers see the old chunks or the new ones, never a mix

The job's memory is O(batch), not O(document), for text and Markdown (HTML and PDF are
extracted whole): the stored bytes are read from the artifacts storage in pieces, twice.

Every expected failure (empty, corrupt, encrypted or unsupported document, refused or failed
URL, embedding error) marks the document `failed` with `error = {type, message}` and leaves its
previous chunks, and the rest of the knowledge base, untouched.
"""
from __future__ import annotations

import dataclasses
import functools
import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

import redis
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from agent_platform import artifacts
from agent_platform.redis_client import redis_client
from rag.chunk_copy import ChunkSpool, copy_chunks  # noqa: F401 (copy_chunks: the bench and tests import it here)
from rag.embedders import knowledge_base_embedder
from rag.models import Chunk, Document, DocumentContent
from runtime.errors import DocumentError, EmbeddingDimensionMismatch, EmbeddingError, InputInvalid
from runtime.rag.embeddings import Embedder
from runtime.rag.ingest import Fetch, PreparedDocument, embed_chunks, fetch_source, stream_document

logger = logging.getLogger("rag.ingestion")
EMBED_BATCH = 256
FORMAT_TYPES = {"text": "text/plain", "markdown": "text/markdown", "html": "text/html", "pdf": "application/pdf"}


@dataclasses.dataclass
class Source:
    file: IO[bytes]  # binary, seekable, open while the job runs
    content_type: str | None
    filename: str | None


def ingest_document(document_id: str, revision: int, *, embedder: Embedder | None = None,
                    fetch: Fetch | None = None) -> str | None:
    """Run the job for one document revision; returns the final status, or None if superseded.

    Bytes whose hash equals the document's indexed `content_hash` are a no-op (services clear
    that hash when a re-embedding is wanted: new metadata, new chunking, explicit re-index)."""
    document = _claim(document_id, revision)
    if document is None:
        return None
    kb = document.knowledge_base
    try:
        with _open_source(document, fetch) as source:
            prepared = stream_document(source.file, content_type=source.content_type, filename=source.filename,
                                       policy=kb.chunking_policy())
            if prepared.content_hash == document.content_hash and document.chunk_count:
                return _finish_unchanged(document, revision)
            embedder = embedder or knowledge_base_embedder(kb)
            if embedder.dimensions != kb.dimensions:
                raise EmbeddingDimensionMismatch(f"{embedder.name} makes {embedder.dimensions}-dimension vectors; "
                                                 f"the knowledge base holds {kb.dimensions}")
            with ChunkSpool(document) as spool:
                for batch in embed_chunks(prepared.chunks, embedder, batch_size=EMBED_BATCH, consumed=prepared.consumed,
                                          on_progress=functools.partial(_report_progress, document, revision)):
                    spool.add(batch)
                return _swap_chunks(document, revision, prepared, spool, source.content_type)
    except (DocumentError, EmbeddingError, InputInvalid) as exc:
        _fail(document, revision, {"type": exc.code, "message": exc.message})
        return Document.FAILED
    except Exception as exc:
        _fail(document, revision, {"type": "internal_error",
                                   "message": f"ingestion failed unexpectedly ({type(exc).__name__})"})
        raise


def _claim(document_id: str, revision: int) -> Document | None:
    claimed = Document.objects.filter(pk=document_id, revision=revision).update(
        status=Document.PROCESSING, progress=0.0, error=None, updated_at=timezone.now())
    if not claimed:
        logger.info("ingestion of %s revision %s superseded", document_id, revision)
        return None
    return Document.objects.select_related("knowledge_base__project").get(pk=document_id)


@contextmanager
def _open_source(document: Document, fetch: Fetch | None) -> Iterator[Source]:
    """The document's bytes as an open file: the stored artifact (read in pieces), or the fetched body."""
    if document.source == "url":
        fetched = fetch_source(document.url, fetch or _project_fetch(document.knowledge_base.project))
        yield Source(io.BytesIO(fetched.content), fetched.content_type, fetched.filename)
        return
    stored = DocumentContent.objects.filter(document=document).first()
    if stored is None:
        raise DocumentError("the document's content is missing; upload it again")
    with artifacts.open_artifact(stored.artifact_key) as handle:
        yield Source(handle, document.content_type or None, stored.filename or document.name)


def _project_fetch(project) -> Fetch:
    from runtime.tools.http_client import fetch_url
    from tools.resolution import http_policy

    policy = dataclasses.replace(http_policy(project), max_response_bytes=settings.PLATFORM_MAX_UPLOAD_BYTES)
    return functools.partial(fetch_url, policy=policy)


def _report_progress(document: Document, revision: int, done: int, total: int) -> None:
    progress = round(done / total, 4) if total else 1.0
    Document.objects.filter(pk=document.pk, revision=revision).update(progress=progress,
                                                                     updated_at=timezone.now())
    publish_event(document.knowledge_base_id, {"type": "document.progress", "document_id": document.pk,
                                               "status": Document.PROCESSING, "done": done, "total": total,
                                               "progress": progress})


def publish_event(kb_id: str, event: dict) -> None:
    """Best-effort live notice for followers of a knowledge base (the document row is the record)."""
    try:
        redis_client().publish(f"kb-events:{kb_id}", json.dumps(event, separators=(",", ":")))
    except redis.RedisError as exc:
        logger.warning("could not publish %s for %s: %s", event.get("type"), kb_id, exc)


def _finish_unchanged(document: Document, revision: int) -> str | None:
    updated = Document.objects.filter(pk=document.pk, revision=revision).update(
        status=Document.READY, progress=1.0, error=None, updated_at=timezone.now())
    if updated:
        publish_event(document.knowledge_base_id, {"type": "document.ready", "document_id": document.pk,
                                                   "status": Document.READY, "unchanged": True})
    return Document.READY if updated else None


def _swap_chunks(document: Document, revision: int, prepared: PreparedDocument, spool: ChunkSpool,
                 content_type: str | None) -> str | None:
    with transaction.atomic():
        locked = Document.objects.select_for_update().filter(pk=document.pk, revision=revision).first()
        if locked is None:
            return None  # superseded or deleted while embedding
        Chunk.objects.filter(document=locked).delete()
        count = spool.copy_into_table()
        locked.status, locked.error, locked.progress = Document.READY, None, 1.0
        locked.content_hash, locked.chunk_count = prepared.content_hash, count
        locked.content_type = content_type or locked.content_type or FORMAT_TYPES[prepared.format]
        locked.updated_at = timezone.now()
        locked.save(update_fields=["status", "error", "progress", "content_hash", "chunk_count", "content_type",
                                   "updated_at"])
    publish_event(document.knowledge_base_id, {"type": "document.ready", "document_id": document.pk,
                                               "status": Document.READY, "chunk_count": count})
    return Document.READY


def _fail(document: Document, revision: int, error: dict) -> None:
    updated = Document.objects.filter(pk=document.pk, revision=revision).update(
        status=Document.FAILED, error=error, progress=0.0, updated_at=timezone.now())
    if updated:
        publish_event(document.knowledge_base_id, {"type": "document.failed", "document_id": document.pk,
                                                   "status": Document.FAILED, "error": error})
