"""Ingestion steps the RQ job composes: fetch (URL sources) -> prepare (hash, extract, chunk)
-> embed in batches (with progress) -> the caller bulk-inserts each batch.

A job, in outline (the Django side owns the transaction and the rows):

    source = fetch_source(url, fetch=partial(fetch_url, policy=http_policy))   # URL documents only
    prepared = prepare_document(source.content, content_type=source.content_type,
                                filename=source.filename, policy=kb_policy)
    if prepared.content_hash == document.content_hash: return               # unchanged: no-op
    for batch in embed_chunks(prepared.chunks, embedder, on_progress=report):
        bulk_insert(batch.chunks, batch.vectors)                             # into a staging set
    swap the document's chunks atomically

Every failure is a `DocumentError` (or `EmbeddingError`) whose `code` and message go to the
document's `error` field; the knowledge base itself is untouched.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from runtime.errors import (
    Cancelled,
    DocumentFetchFailed,
    DocumentUrlRefused,
    EmbeddingProviderError,
    ToolError,
    ToolRefused,
)
from runtime.rag.chunking import Chunk, ChunkingPolicy, chunk
from runtime.rag.embeddings import Embedder, check_dimensions
from runtime.rag.extract import ExtractedDocument, extract
from runtime.rag.tokens import TokenCounter
from runtime.store import CancelToken

Fetch = Callable[[str], tuple[str | None, bytes]]  # url -> (content type, body), SSRF-checked
# `ToolRefused` reasons that are not about the address being forbidden.
_FETCH_FAILURE_REASONS = {"http_status", "too_large", "dns", "too_many_redirects"}
ProgressCallback = Callable[[int, int], None]  # (chunks embedded so far, total)


@dataclass
class FetchedSource:
    url: str
    content: bytes
    content_type: str | None
    filename: str | None  # last path segment, for type detection by extension


@dataclass
class PreparedDocument:
    content_hash: str
    document: ExtractedDocument
    chunks: list[Chunk]


@dataclass
class EmbeddedBatch:
    chunks: list[Chunk]
    vectors: list[list[float]]
    done: int  # chunks embedded so far, this batch included
    total: int


def content_hash(content: bytes) -> str:
    """Stable digest of a document's bytes: re-uploading identical bytes is a no-op."""
    return "sha256:" + hashlib.sha256(content).hexdigest()


def fetch_source(url: str, fetch: Fetch) -> FetchedSource:
    """Fetch a URL document through an SSRF-safe `fetch`, e.g.
    `functools.partial(runtime.tools.http_client.fetch_url, policy=project_http_policy)`.

    An address refused by the SSRF policy (private, loopback, link-local, metadata, bad URL or
    scheme) becomes `DocumentUrlRefused`; any other failure (DNS, timeout, HTTP status, too
    large) `DocumentFetchFailed`. Both carry a message fit for the document's `error` field.
    """
    try:
        content_type, content = fetch(url)
    except ToolRefused as exc:
        reason = str(exc.details.get("reason", ""))
        if reason in _FETCH_FAILURE_REASONS:
            raise DocumentFetchFailed(f"the URL could not be fetched: {exc.message}", url=url, reason=reason) from exc
        raise DocumentUrlRefused(f"the URL was refused: {exc.message}", url=url, reason=reason) from exc
    except ToolError as exc:
        raise DocumentFetchFailed(f"the URL could not be fetched: {exc.message}", url=url) from exc
    name = PurePosixPath(unquote(urlsplit(url).path)).name
    return FetchedSource(url=url, content=content, content_type=content_type, filename=name or None)


def prepare_document(content: bytes, *, content_type: str | None = None, filename: str | None = None,
                     policy: ChunkingPolicy | None = None, counter: TokenCounter | None = None) -> PreparedDocument:
    """Hash, extract and chunk a document; raises a `DocumentError` for empty/corrupt/unsupported input."""
    document = extract(content, content_type=content_type, filename=filename)
    return PreparedDocument(content_hash(content), document, chunk(document, policy, counter))


def embed_chunks(chunks: Sequence[Chunk], embedder: Embedder, *, batch_size: int = 256,
                 on_progress: ProgressCallback | None = None,
                 cancel: CancelToken | None = None) -> Iterator[EmbeddedBatch]:
    """Embed chunk texts in batches, yielding each batch for a bulk insert.

    `batch_size` is the insert/progress granularity; the embedder batches internally (the local
    model encodes 64 at a time), so a few hundred per call keeps throughput at the raw model's.
    Checks every vector's dimensions; raises `Cancelled` between batches when `cancel` is set.
    """
    total = len(chunks)
    for start in range(0, total, batch_size):
        if cancel is not None and cancel.is_cancelled():
            raise Cancelled("ingestion cancelled", done=start, total=total)
        batch = list(chunks[start:start + batch_size])
        vectors = embedder.embed_documents([c.text for c in batch])
        if len(vectors) != len(batch):
            raise EmbeddingProviderError(f"{embedder.name} returned {len(vectors)} vectors for {len(batch)} texts")
        check_dimensions(vectors, embedder.dimensions, source=embedder.name)
        done = start + len(batch)
        if on_progress is not None:
            on_progress(done, total)
        yield EmbeddedBatch(batch, vectors, done, total)
