"""One ingestion job: source -> extract -> chunk -> embed in batches -> atomic chunk swap.

    claim      the job's revision must still be the document's (a newer upload, a re-index or a
               deletion supersedes it); status `processing`
    source     uploaded/pasted bytes from `DocumentContent`, or the URL fetched through the HTTP
               tool's SSRF-safe client under the project's allow-list
    prepare    `runtime.rag.ingest.prepare_document` with the knowledge base's chunking policy;
               unchanged bytes of a URL document (same hash as indexed) end here: a no-op
    embed      `embed_chunks` in batches; progress on the document row and on Redis
               (`kb-events:<kb_id>`, `{"type": "document.progress", ...}`)
    swap       one transaction: lock the document, delete its old chunks, COPY the new ones,
               mark it `ready` - readers see the old chunks or the new ones, never a mix

Every expected failure (empty, corrupt, encrypted or unsupported document, refused or failed
URL, embedding error) marks the document `failed` with `error = {type, message}` and leaves its
previous chunks, and the rest of the knowledge base, untouched.
"""
from __future__ import annotations

import dataclasses
import functools
import json
import logging
from collections.abc import Callable, Sequence

import redis
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from agent_platform import artifacts
from agent_platform.redis_client import redis_client
from rag.embedders import knowledge_base_embedder
from rag.models import Chunk, Document, DocumentContent
from rag.search_sql import vector_literal
from runtime.errors import DocumentError, EmbeddingDimensionMismatch, EmbeddingError, InputInvalid
from runtime.rag.embeddings import Embedder
from runtime.rag.ingest import EmbeddedBatch, Fetch, PreparedDocument, embed_chunks, fetch_source, prepare_document

logger = logging.getLogger("rag.ingestion")
EMBED_BATCH = 256
FORMAT_TYPES = {"text": "text/plain", "markdown": "text/markdown", "html": "text/html", "pdf": "application/pdf"}
_COPY_SQL = ("COPY rag_chunk (knowledge_base_id, document_id, position, text, token_count, metadata, embedding) "
             "FROM STDIN")


@dataclasses.dataclass
class Source:
    content: bytes
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
        source = _load_source(document, fetch)
        prepared = prepare_document(source.content, content_type=source.content_type, filename=source.filename,
                                    policy=kb.chunking_policy())
        if prepared.content_hash == document.content_hash and document.chunk_count:
            return _finish_unchanged(document, revision)
        embedder = embedder or knowledge_base_embedder(kb)
        if embedder.dimensions != kb.dimensions:
            raise EmbeddingDimensionMismatch(f"{embedder.name} makes {embedder.dimensions}-dimension vectors; "
                                             f"the knowledge base holds {kb.dimensions}")
        batches = list(embed_chunks(prepared.chunks, embedder, batch_size=EMBED_BATCH,
                                    on_progress=functools.partial(_report_progress, document, revision)))
        return _swap_chunks(document, revision, prepared, batches, source.content_type)
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


def _load_source(document: Document, fetch: Fetch | None) -> Source:
    if document.source == "url":
        fetched = fetch_source(document.url, fetch or _project_fetch(document.knowledge_base.project))
        return Source(fetched.content, fetched.content_type, fetched.filename)
    stored = DocumentContent.objects.filter(document=document).first()
    if stored is None:
        raise DocumentError("the document's content is missing; upload it again")
    return Source(artifacts.read_bytes(stored.artifact_key), document.content_type or None,
                  stored.filename or document.name)


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


def _swap_chunks(document: Document, revision: int, prepared: PreparedDocument, batches: Sequence[EmbeddedBatch],
                 content_type: str | None) -> str | None:
    with transaction.atomic():
        locked = Document.objects.select_for_update().filter(pk=document.pk, revision=revision).first()
        if locked is None:
            return None  # superseded or deleted while embedding
        Chunk.objects.filter(document=locked).delete()
        count = copy_chunks(locked, batches)
        locked.status, locked.error, locked.progress = Document.READY, None, 1.0
        locked.content_hash, locked.chunk_count = prepared.content_hash, count
        locked.content_type = content_type or locked.content_type or FORMAT_TYPES[prepared.document.format]
        locked.updated_at = timezone.now()
        locked.save(update_fields=["status", "error", "progress", "content_hash", "chunk_count", "content_type",
                                   "updated_at"])
    publish_event(document.knowledge_base_id, {"type": "document.ready", "document_id": document.pk,
                                               "status": Document.READY, "chunk_count": count})
    return Document.READY


def copy_chunks(document: Document, batches: Sequence[EmbeddedBatch],
                vector_text: Callable[[Sequence[float]], str] = vector_literal) -> int:
    """Bulk-insert embedded chunks with COPY (inside the caller's transaction); returns the count.

    Chunk metadata is the document's metadata overlaid with the chunk's own (`position`,
    `heading_path`, `page`, `start_char`, `end_char`)."""
    count = 0
    base = document.metadata or {}
    with connection.cursor() as cur, cur.cursor.copy(_COPY_SQL) as copy:
        for batch in batches:
            for chunk, vector in zip(batch.chunks, batch.vectors):
                metadata = {**base, **chunk.metadata, "position": chunk.position}
                copy.write_row((document.knowledge_base_id, document.pk, chunk.position,
                                chunk.text.replace("\x00", ""), chunk.token_count,
                                json.dumps(metadata, ensure_ascii=False), vector_text(vector)))
                count += 1
    return count


def _fail(document: Document, revision: int, error: dict) -> None:
    updated = Document.objects.filter(pk=document.pk, revision=revision).update(
        status=Document.FAILED, error=error, progress=0.0, updated_at=timezone.now())
    if updated:
        publish_event(document.knowledge_base_id, {"type": "document.failed", "document_id": document.pk,
                                                   "status": Document.FAILED, "error": error})
