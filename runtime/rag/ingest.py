"""Ingestion steps the RQ job composes: fetch (URL sources) -> prepare (hash, extract, chunk)
-> embed in batches (with progress) -> the caller bulk-inserts each batch.

A job, in outline (the Django side owns the transaction and the rows):

    source = fetch_source(url, fetch=partial(fetch_url, policy=http_policy))   # URL documents only
    prepared = stream_document(open_file, content_type=source.content_type,
                               filename=source.filename, policy=kb_policy)
    if prepared.content_hash == document.content_hash: return               # unchanged: no-op
    for batch in embed_chunks(prepared.chunks, embedder, on_progress=report,
                              consumed=prepared.consumed):
        spool(batch.chunks, batch.vectors)                                   # into a staging set
    swap the document's chunks atomically

`stream_document` keeps memory O(batch) for text and Markdown: the bytes are hashed in one pass
and decoded and chunked in a second, one block of about 1 MiB at a time (`text_stream`,
`chunking.chunk_blocks`), and its chunks are a one-shot iterator. HTML and PDF are read whole
(`prepare_document`: the HTML parser and pypdf need the whole document).

Every failure is a `DocumentError` (or `EmbeddingError`) whose `code` and message go to the
document's `error` field; the knowledge base itself is untouched.
"""
from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterable, Iterator, Sized
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import IO
from urllib.parse import unquote, urlsplit

from runtime.errors import (
    Cancelled,
    DocumentEmpty,
    DocumentFetchFailed,
    DocumentUrlRefused,
    EmbeddingProviderError,
    ToolError,
    ToolRefused,
)
from runtime.rag.chunking import Chunk, ChunkingPolicy, chunk, chunk_blocks
from runtime.rag.dimensions import check_dimensions
from runtime.rag.documents import ExtractedDocument
from runtime.rag.embeddings import Embedder
from runtime.rag.extract import charset_of, detect_format, extract, strip_front_matter
from runtime.rag.text_stream import Scan, decode_pieces, read_pieces, scan, text_blocks
from runtime.rag.tokens import TokenCounter
from runtime.store import CancelToken

Fetch = Callable[[str], tuple[str | None, bytes]]  # url -> (content type, body), SSRF-checked
# `ToolRefused` reasons that are not about the address being forbidden.
_FETCH_FAILURE_REASONS = {"http_status", "too_large", "dns", "too_many_redirects"}
ProgressCallback = Callable[[int, int], None]  # (chunks embedded so far, total)
STREAMED_FORMATS = ("text", "markdown")
HEAD_BYTES = 8192  # what type detection looks at


@dataclass
class FetchedSource:
    url: str
    content: bytes
    content_type: str | None
    filename: str | None  # last path segment, for type detection by extension


@dataclass
class PreparedDocument:
    content_hash: str
    format: str  # one of extract.FORMATS
    chunks: Iterable[Chunk]  # a list (`prepare_document`), or a one-shot stream (`stream_document`)
    document: ExtractedDocument | None = None  # the whole extracted text, when it was held
    consumed: Callable[[], float] = field(default=lambda: 1.0)  # fraction of the bytes chunked so far


@dataclass
class EmbeddedBatch:
    chunks: list[Chunk]
    vectors: list[list[float]]
    done: int  # chunks embedded so far, this batch included
    total: int  # exact for a list of chunks and at a stream's last batch, else an estimate


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
    return PreparedDocument(content_hash(content), document.format, chunk(document, policy, counter), document)


def stream_document(handle: IO[bytes], *, content_type: str | None = None, filename: str | None = None,
                    policy: ChunkingPolicy | None = None, counter: TokenCounter | None = None) -> PreparedDocument:
    """`prepare_document` for an open, seekable binary file that stays open while `chunks` is consumed.

    Text and Markdown are hashed here (one pass) and decoded and chunked while `chunks` is iterated
    (a second pass), so decoding errors and `DocumentEmpty` are raised by the iteration; HTML and
    PDF are read whole and prepared by `prepare_document`."""
    handle.seek(0)
    head = handle.read(HEAD_BYTES)
    if not head:
        raise DocumentEmpty("the file is empty")
    fmt = detect_format(head, content_type=content_type, filename=filename)
    handle.seek(0)
    if fmt not in STREAMED_FORMATS:
        return prepare_document(handle.read(), content_type=content_type, filename=filename, policy=policy,
                                counter=counter)
    scanned = scan(read_pieces(handle), charset_of(content_type))
    reader = _Reader(handle, scanned)
    return PreparedDocument("sha256:" + scanned.sha256, fmt, _streamed_chunks(reader, fmt, policy, counter),
                            consumed=reader.fraction)


class _Reader:
    """The second pass over the file, counting the bytes read."""

    def __init__(self, handle: IO[bytes], scanned: Scan) -> None:
        self.handle, self.scanned, self.read = handle, scanned, 0

    def pieces(self) -> Iterator[bytes]:
        self.handle.seek(0)
        for piece in read_pieces(self.handle):
            self.read += len(piece)
            yield piece

    def fraction(self) -> float:
        return min(1.0, self.read / self.scanned.size) if self.scanned.size else 1.0


def _streamed_chunks(reader: _Reader, fmt: str, policy: ChunkingPolicy | None,
                     counter: TokenCounter | None) -> Iterator[Chunk]:
    blocks = text_blocks(decode_pieces(reader.pieces(), reader.scanned.encoding))
    if fmt == "markdown":
        blocks = _without_front_matter(blocks)
    empty = True
    for piece in chunk_blocks(blocks, policy, counter):
        empty = False
        yield piece
    if empty:
        raise DocumentEmpty(f"no text found in the {fmt} document")


def _without_front_matter(blocks: Iterator[str]) -> Iterator[str]:
    first = next(blocks, None)
    if first is not None:
        yield strip_front_matter(first)[0]
    yield from blocks


def embed_chunks(chunks: Iterable[Chunk], embedder: Embedder, *, batch_size: int = 256,
                 on_progress: ProgressCallback | None = None, cancel: CancelToken | None = None,
                 consumed: Callable[[], float] | None = None) -> Iterator[EmbeddedBatch]:
    """Embed chunk texts in batches, yielding each batch for a bulk insert.

    `batch_size` is the insert/progress granularity; the embedder batches internally (the local
    model encodes 64 at a time), so a few hundred per call keeps throughput at the raw model's.
    Checks every vector's dimensions; raises `Cancelled` between batches when `cancel` is set.
    `chunks` may be a one-shot stream (`stream_document`): then `total` is an estimate from
    `consumed` (the fraction of the source chunked so far) until the last batch, where it is exact.
    """
    known = len(chunks) if isinstance(chunks, Sized) else None
    stream = iter(chunks)
    done = 0
    batch = list(itertools.islice(stream, batch_size))
    while batch:
        if cancel is not None and cancel.is_cancelled():
            raise Cancelled("ingestion cancelled", done=done, total=_total(known, done, consumed))
        vectors = embedder.embed_documents([c.text for c in batch])
        if len(vectors) != len(batch):
            raise EmbeddingProviderError(f"{embedder.name} returned {len(vectors)} vectors for {len(batch)} texts")
        check_dimensions(vectors, embedder.dimensions, source=embedder.name)
        following = list(itertools.islice(stream, batch_size))  # read ahead: is this batch the last?
        done += len(batch)
        total = _total(known, done, consumed) if following else done
        if on_progress is not None:
            on_progress(done, total)
        yield EmbeddedBatch(batch, vectors, done, total)
        batch = following


def _total(known: int | None, done: int, consumed: Callable[[], float] | None) -> int:
    """The chunk count, or (a stream with more to come) an estimate above `done`."""
    if known is not None:
        return known
    fraction = consumed() if consumed is not None else 0.0
    return max(done + 1, round(done / fraction)) if fraction > 0 else done + 1
