"""Writes for knowledge bases and documents: creation (with the knowledge base's HNSW index),
indexing changes (re-index jobs), document intake (no-op on unchanged content), deletion.

Ingestion itself runs on a worker (`rag/tasks.py` -> `rag/ingestion.py`); here a document is
stored with status `queued` and a job is enqueued on the `ingest` queue after commit.
"""
from __future__ import annotations

import io
from collections.abc import Mapping
from typing import IO, Any

import django_rq
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from agent_platform import artifacts
from agent_platform.service_errors import InvalidField, StateConflict
from rag import vector_index
from rag.embedders import embedder_for
from rag.models import Chunk, Document, DocumentContent, KnowledgeBase
from runtime.errors import EmbeddingError, InputInvalid
from runtime.rag.chunking import ChunkingPolicy
from runtime.rag.embeddings import LOCAL_DEFAULT_REF

INGEST_QUEUE = "ingest"
INGEST_JOB = "rag.tasks.ingest_document"
DEFAULT_CHUNKING = {"strategy": "markdown", "chunk_tokens": 200, "overlap_tokens": 32}


# --- knowledge bases ---------------------------------------------------------------------------
def indexing_settings(project, *, embedding_model: str, embedding_config: Mapping[str, Any] | None,
                      chunking: Mapping[str, Any] | None) -> tuple[int, dict[str, Any]]:
    """Validate an embedding model and chunking policy: `(dimensions, chunking dict)`.

    `chunk_tokens` is capped at what the embedder reads whole (`max_chunk_tokens`: 200 for the
    local MiniLM model), and the overlap at half of that."""
    try:
        embedder = embedder_for(project, embedding_model, embedding_config)
    except EmbeddingError as exc:
        raise InvalidField("embedding_model", exc.message) from None
    try:
        vector_index.vector_type(embedder.dimensions)
    except ValueError as exc:
        raise InvalidField("embedding_model", str(exc)) from None
    values = {**DEFAULT_CHUNKING, **(chunking or {})}
    cap = getattr(embedder, "max_chunk_tokens", None)
    if cap and isinstance(values.get("chunk_tokens"), int) and values["chunk_tokens"] > cap:
        values["chunk_tokens"] = cap
        values["overlap_tokens"] = min(int(values.get("overlap_tokens", 0)), cap // 2)
    try:
        policy = ChunkingPolicy.from_dict(values)
    except (InputInvalid, TypeError) as exc:
        raise InvalidField("chunking", getattr(exc, "message", str(exc))) from None
    return embedder.dimensions, policy.to_dict()


def create_knowledge_base(*, project, name: str, description: str = "", embedding_model: str = LOCAL_DEFAULT_REF,
                          embedding_config: Mapping[str, Any] | None = None,
                          chunking: Mapping[str, Any] | None = None) -> KnowledgeBase:
    """A knowledge base with its own HNSW index (built concurrently when not inside a transaction;
    if the index cannot be built the knowledge base is not kept)."""
    dimensions, policy = indexing_settings(project, embedding_model=embedding_model,
                                           embedding_config=embedding_config, chunking=chunking)
    try:
        with transaction.atomic():
            kb = KnowledgeBase.objects.create(project=project, name=name, description=description,
                                              embedding_model=embedding_model,
                                              embedding_config=dict(embedding_config or {}),
                                              dimensions=dimensions, chunking=policy)
    except IntegrityError:
        raise StateConflict(f"a knowledge base named {name!r} already exists", field="name") from None
    try:
        with connection.cursor() as cur:
            vector_index.create_index(cur, kb.pk, dimensions)
            vector_index.prune_orphan_indexes(cur)
    except BaseException:
        kb.delete()
        raise
    return kb


def update_knowledge_base(*, kb: KnowledgeBase, **fields: Any) -> tuple[KnowledgeBase, bool]:
    """Rename/describe; a new embedding model or chunking policy re-indexes every document.

    Returns `(kb, reindexing)`. A new embedding model empties the knowledge base at once (vectors
    of two models cannot be compared) and rebuilds its index for the new size; a new chunking
    policy keeps serving the old chunks until each document's job replaces them."""
    indexing = {k: fields.pop(k) for k in ("embedding_model", "embedding_config", "chunking") if k in fields}
    model_changed = reindex = False
    if indexing:
        model = indexing.get("embedding_model", kb.embedding_model)
        config = dict(indexing.get("embedding_config", kb.embedding_config) or {})
        chunking = {**kb.chunking, **(indexing.get("chunking") or {})}  # a partial policy changes those fields
        dimensions, policy = indexing_settings(kb.project, embedding_model=model, embedding_config=config,
                                               chunking=chunking)
        model_changed = model != kb.embedding_model or config != (kb.embedding_config or {})
        reindex = model_changed or policy != kb.chunking
        if reindex:
            fields.update(embedding_model=model, embedding_config=config, dimensions=dimensions, chunking=policy)
    try:
        with transaction.atomic():
            for name, value in fields.items():
                setattr(kb, name, value)
            kb.updated_at = timezone.now()
            kb.save(update_fields=[*fields, "updated_at"])
            if model_changed:
                _reset_index(kb)
            if reindex:
                for document in Document.objects.select_for_update().filter(knowledge_base=kb):
                    _queue(document, force=True)
    except IntegrityError:
        raise StateConflict(f"a knowledge base named {fields.get('name')!r} already exists", field="name") from None
    return kb, reindex


def _reset_index(kb: KnowledgeBase) -> None:
    Chunk.objects.filter(knowledge_base=kb).delete()
    Document.objects.filter(knowledge_base=kb).update(chunk_count=0, content_hash="")
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # CREATE INDEX refuses pending (deferred) FK checks
        vector_index.drop_index(cur, kb.pk)
        vector_index.create_index(cur, kb.pk, kb.dimensions)


def delete_knowledge_base(*, kb: KnowledgeBase) -> None:
    """Delete the knowledge base, its documents, chunks and index."""
    with connection.cursor() as cur:
        vector_index.drop_index(cur, kb.pk)  # first: a plain `DROP INDEX` would wait for readers
    with transaction.atomic():
        Chunk.objects.filter(knowledge_base=kb).delete()
        kb.delete()


# --- documents ---------------------------------------------------------------------------------
def add_document(*, kb: KnowledgeBase, name: str, source: str, content: bytes | IO[bytes] | None = None,
                 url: str = "", content_type: str = "", metadata: Mapping[str, Any] | None = None,
                 filename: str = "") -> tuple[Document, bool]:
    """Store a document (upload/text: its bytes, or an open file read in chunks; url: the address)
    and queue its ingestion.

    A document with the same name is replaced. Returns `(document, queued)`: an upload or text
    whose bytes and metadata equal what the document already holds is a no-op (`queued` False,
    unless its last ingestion failed); a URL document is always queued, and its job is a no-op
    if the fetched bytes are unchanged. The bytes go to the artifacts storage first (streamed,
    outside the transaction); the row that keeps them is committed under the key's lock."""
    metadata = dict(metadata or {})
    stored, fileobj = None, None
    if content is not None:
        fileobj = io.BytesIO(content) if isinstance(content, bytes) else content
        stored = artifacts.put_file(artifacts.DOCUMENTS, fileobj)
    digest = f"sha256:{stored.sha256}" if stored else ""
    with transaction.atomic():
        document = Document.objects.select_for_update().filter(knowledge_base=kb, name=name).first()
        if document is not None and _unchanged(document, source, digest, url, metadata):
            return document, False
        force = source != "url" or document is None or document.metadata != metadata or document.url != url
        if document is None:
            document = Document(knowledge_base=kb, name=name, revision=0)
        document.source, document.url, document.content_type = source, url, content_type
        document.metadata = metadata
        document.save()
        if stored is not None:
            with connection.cursor() as cur:
                artifacts.xact_key_lock(cur, stored.key)
            artifacts.ensure(stored, fileobj)  # collected between put and lock: written again
            DocumentContent.objects.update_or_create(document=document, defaults={
                "content_hash": digest, "size": stored.size, "filename": filename or name})
        else:
            DocumentContent.objects.filter(document=document).delete()
        _queue(document, force=force)
    return document, True


def _unchanged(document: Document, source: str, digest: str, url: str, metadata: dict) -> bool:
    """The same bytes (already indexed, or queued for it) and the same metadata."""
    if source == "url" or document.source != source or document.url != url or document.metadata != metadata:
        return False
    if document.status == Document.FAILED:
        return False
    stored = DocumentContent.objects.filter(document=document).values_list("content_hash", flat=True).first()
    return stored == digest


def reindex_document(*, document: Document) -> Document:
    """Extract, chunk and embed the document again (with the knowledge base's current policy)."""
    with transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=document.pk)
        _queue(locked, force=True)
    return locked


def delete_document(*, document: Document) -> None:
    """Delete the document and its chunks (a running job for it finds it gone and stops)."""
    with transaction.atomic():
        Chunk.objects.filter(document=document).delete()
        document.delete()


def _queue(document: Document, *, force: bool) -> None:
    """Bump the revision, mark queued and enqueue the job once the transaction commits.

    `force` clears the indexed content hash, so the job re-embeds even identical bytes (new
    metadata, a new chunking policy, an explicit re-index); otherwise a URL document whose
    fetched bytes are unchanged is a no-op."""
    document.revision += 1
    document.status, document.error, document.progress = Document.QUEUED, None, 0.0
    if force:
        document.content_hash = ""
    document.updated_at = timezone.now()
    document.save(update_fields=["revision", "status", "error", "progress", "content_hash", "updated_at"])
    document_id, revision = document.pk, document.revision
    transaction.on_commit(lambda: enqueue_ingestion(document_id, revision))


def enqueue_ingestion(document_id: str, revision: int) -> None:
    django_rq.get_queue(INGEST_QUEUE).enqueue(INGEST_JOB, document_id, revision, job_timeout=3600,
                                              result_ttl=0, failure_ttl=86_400)
