"""Embedded chunks into `rag_chunk` with COPY: one row encoder (PostgreSQL's COPY text format),
written straight into a COPY (`copy_chunks`) or first into a spool file (`ChunkSpool`).

The ingestion job spools each batch as soon as it is embedded, so it holds one batch in memory,
not the whole document's chunks and vectors; the swap transaction then streams the file into
COPY in pieces. The spool is an anonymous temporary file (`tempfile.TemporaryFile` in `TMPDIR`):
it is gone when closed, or when the process dies. It takes about 8 KiB of disk per chunk at 384
dimensions (the vector's text form is most of it): ~0.5 GB for a 50 MB text document.
"""
from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterable, Sequence

from django.db import connection

from rag.models import Document
from rag.search_sql import vector_literal
from runtime.rag.ingest import EmbeddedBatch

_COPY_SQL = ("COPY rag_chunk (knowledge_base_id, document_id, position, text, token_count, metadata, embedding) "
             "FROM STDIN")
# COPY text format: a backslash, newline, carriage return or tab inside a value is escaped.
_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})
COPY_PIECE_BYTES = 1024 * 1024
VectorText = Callable[[Sequence[float]], str]


def encode_rows(document: Document, batch: EmbeddedBatch, vector_text: VectorText = vector_literal) -> bytes:
    """The batch's rows in COPY text format. Chunk metadata is the document's metadata overlaid with
    the chunk's own (`position`, `heading_path`, `page`, `start_char`, `end_char`)."""
    base = document.metadata or {}
    prefix = f"{_escaped(document.knowledge_base_id)}\t{_escaped(document.pk)}\t"
    lines = []
    for chunk, vector in zip(batch.chunks, batch.vectors, strict=True):
        metadata = {**base, **chunk.metadata, "position": chunk.position}
        lines.append(f"{prefix}{chunk.position}\t{_escaped(chunk.text.replace(chr(0), ''))}\t{chunk.token_count}\t"
                     f"{_escaped(json.dumps(metadata, ensure_ascii=False))}\t{vector_text(vector)}\n")
    return "".join(lines).encode()


def _escaped(value: str) -> str:
    return value.translate(_ESCAPES)


def copy_chunks(document: Document, batches: Iterable[EmbeddedBatch], vector_text: VectorText = vector_literal) -> int:
    """Bulk-insert embedded chunks with COPY (inside the caller's transaction); returns the count."""
    count = 0
    with connection.cursor() as cur, cur.cursor.copy(_COPY_SQL) as copy:
        for batch in batches:
            copy.write(encode_rows(document, batch, vector_text))
            count += len(batch.chunks)
    return count


class ChunkSpool:
    """Embedded batches kept on disk until the swap: `add` each batch, then `copy_into_table`
    (inside the swap transaction). A context manager; closing discards the file."""

    def __init__(self, document: Document, vector_text: VectorText = vector_literal) -> None:
        self.document, self.vector_text = document, vector_text
        self.count = 0
        self._file = tempfile.TemporaryFile(prefix="rag-chunks-")

    def add(self, batch: EmbeddedBatch) -> None:
        self._file.write(encode_rows(self.document, batch, self.vector_text))
        self.count += len(batch.chunks)

    def copy_into_table(self) -> int:
        """COPY every spooled row into `rag_chunk`, a piece of the file at a time; returns the count."""
        self._file.flush()
        self._file.seek(0)
        with connection.cursor() as cur, cur.cursor.copy(_COPY_SQL) as copy:
            while piece := self._file.read(COPY_PIECE_BYTES):
                copy.write(piece)
        return self.count

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> ChunkSpool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
