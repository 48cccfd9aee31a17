"""`InMemoryIndex`: exact (brute-force) cosine search over chunks held in memory.

For tests, demos and small bundled knowledge bases, and as the exact baseline that HNSW recall
is measured against. Implements the `Retriever` shape (`search(knowledge_base, query, top_k,
filter) -> list[hit dict]`). Production knowledge bases live in Postgres (pgvector HNSW).
"""
from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from runtime.rag.chunking import Chunk
from runtime.rag.dimensions import check_dimensions
from runtime.rag.embeddings import Embedder
from runtime.rag.filters import Condition, matches, parse_filter
from runtime.rag.hits import Hit
from runtime.rag.ranking import normalise_rows


class InMemoryIndex:
    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self._lock = threading.Lock()
        self._rows: list[Hit] = []
        self._matrix = np.zeros((0, embedder.dimensions), dtype=np.float32)

    def __len__(self) -> int:
        return len(self._rows)

    def add_document(self, document_id: str, document_name: str, chunks: Sequence[Chunk],
                     vectors: Sequence[Sequence[float]] | None = None,
                     metadata: Mapping[str, Any] | None = None) -> None:
        """Index a document's chunks, replacing any previous chunks of the same document."""
        if vectors is None:
            vectors = self.embedder.embed_documents([c.text for c in chunks])
        check_dimensions(vectors, self.embedder.dimensions, source="index input")
        rows = [Hit(chunk_id=f"{document_id}:{c.position}", document_id=document_id, text=c.text, score=0.0,
                    document_name=document_name,
                    metadata={**(metadata or {}), **c.metadata, "position": c.position}) for c in chunks]
        new = normalise_rows(np.asarray(vectors, dtype=np.float32).reshape(len(chunks), self.embedder.dimensions))
        with self._lock:
            keep = [i for i, row in enumerate(self._rows) if row.document_id != document_id]
            self._rows = [self._rows[i] for i in keep] + rows
            self._matrix = np.vstack([self._matrix[keep], new])

    def delete_document(self, document_id: str) -> int:
        """Remove a document's chunks; returns how many were removed."""
        with self._lock:
            keep = [i for i, row in enumerate(self._rows) if row.document_id != document_id]
            removed = len(self._rows) - len(keep)
            self._rows = [self._rows[i] for i in keep]
            self._matrix = self._matrix[keep]
        return removed

    def search(self, knowledge_base: str | None = None, query: str = "", top_k: int = 5,
               filter: Mapping[str, Any] | None = None, *, project_id: str | None = None) -> list[dict[str, Any]]:
        """Top-k chunks for a text query as API-shaped hit dicts (one index is one knowledge base:
        `knowledge_base` and `project_id` are accepted for the `Retriever` shape and ignored)."""
        hits = self.search_vector(self.embedder.embed_query(query), top_k=top_k, conditions=parse_filter(filter))
        return [h.to_dict() for h in hits]

    def search_vector(self, vector: Sequence[float], *, top_k: int, conditions: Sequence[Condition] = (),
                      with_vectors: bool = False) -> list[Hit]:
        """Exact top-k by cosine similarity among chunks whose metadata matches `conditions`."""
        with self._lock:
            rows, matrix = self._rows, self._matrix
        candidates = np.array([i for i, row in enumerate(rows) if matches(row.metadata, conditions)], dtype=np.int64)
        if candidates.size == 0 or top_k <= 0:
            return []
        query = normalise_rows(np.asarray(vector, dtype=np.float32)[None, :])[0]
        scores = matrix[candidates] @ query
        order = np.lexsort((candidates, -scores))[:top_k]  # best first; ties by insertion order
        out = []
        for i in order:
            row = rows[int(candidates[i])]
            out.append(Hit(chunk_id=row.chunk_id, document_id=row.document_id, text=row.text,
                           score=float(scores[i]), document_name=row.document_name, metadata=dict(row.metadata),
                           vector=matrix[int(candidates[i])].tolist() if with_vectors else None))
        return out

