"""The two searches behind retrieval, in SQL: HNSW vector top-k and PostgreSQL full-text top-k.

Vector search runs in a transaction that sets `hnsw.ef_search` and
`hnsw.iterative_scan = relaxed_order` (pgvector 0.8): when metadata filters reject candidates,
the index scan keeps going until `top_k` rows pass (up to `hnsw.max_scan_tuples`), so filtered
queries still return k results. Relaxed order can return rows slightly out of order; they are
re-sorted here. If a filtered query still comes back short (a very selective filter), it is
repeated as an exact scan with index scans disabled, so "fewer than k" means "fewer exist".

Both searches name the knowledge base as an inlined constant (`checked_kb_id`) so the planner
can use its partial HNSW index, and join document names in the same statement.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.db import connection, transaction

from rag.filter_sql import filter_sql
from rag.models import TEXT_SEARCH_CONFIG, chunk_public_id
from rag.vector_index import DEFAULT_EF_SEARCH, checked_kb_id, index_predicate, vector_type
from runtime.rag.filters import Condition
from runtime.rag.hits import Hit

MAX_EF_SEARCH = 1000


def vector_literal(vector: Sequence[float]) -> str:
    """pgvector's text form of a vector."""
    return "[" + ",".join(repr(float(x)) for x in vector) + "]"


def _hit(row: Sequence[Any], score: float, vector: list[float] | None = None) -> Hit:
    chunk_id, document_id, document_name, text, metadata = row[:5]
    if isinstance(metadata, str):
        metadata = json.loads(metadata)
    return Hit(chunk_id=chunk_public_id(chunk_id), document_id=document_id, text=text, score=score,
               document_name=document_name, metadata=metadata, vector=vector)


def vector_search(kb_id: str, dimensions: int, vector: Sequence[float], *, top_k: int,
                  conditions: Sequence[Condition] = (), ef_search: int = DEFAULT_EF_SEARCH,
                  with_vectors: bool = False, exact: bool = False, exact_fallback: bool = True) -> list[Hit]:
    """The `top_k` chunks nearest to `vector` (cosine), best first; `score` = cosine similarity.

    `exact` scans without the HNSW index (the recall baseline); `exact_fallback` repeats a
    filtered query that came back short as an exact scan."""
    if top_k <= 0:
        return []
    cast = vector_type(dimensions)
    where, params = filter_sql(conditions, "c.metadata")
    extra = ", h.embedding" if with_vectors else ""
    inner_extra = ", c.embedding::text AS embedding" if with_vectors else ""
    distance = f"c.embedding::{cast} <=> %s::{cast}"
    # Index scans need the index's predicate verbatim; an exact scan only needs the knowledge base
    # (a live row of another size cannot exist in it; checking sizes would detoast every vector).
    scope = f"c.knowledge_base_id = '{checked_kb_id(kb_id)}'" if exact else index_predicate(kb_id, dimensions, "c")
    sql = (f"SELECT h.id, h.document_id, d.name, h.text, h.metadata, h.distance{extra} FROM ("
           f"SELECT c.id, c.document_id, c.text, c.metadata, {distance} AS distance{inner_extra} FROM rag_chunk c "
           f"WHERE {scope} AND {where} ORDER BY {distance} LIMIT %s"
           f") h JOIN rag_document d ON d.id = h.document_id")
    literal = vector_literal(vector)
    args = [literal, *params, literal, top_k]
    rows = _run_vector_query(sql, args, ef_search=max(ef_search, top_k), exact=exact)
    if conditions and len(rows) < top_k and not exact and exact_fallback:
        rows = _run_vector_query(sql, args, ef_search=max(ef_search, top_k), exact=True)
    rows.sort(key=lambda r: (r[5], r[0]))  # relaxed-order scans may return near-ties out of order
    return [_hit(r[:5], 1.0 - float(r[5]), json.loads(r[6]) if with_vectors else None) for r in rows]


def _run_vector_query(sql: str, args: list[Any], *, ef_search: int, exact: bool) -> list[tuple]:
    with transaction.atomic(), connection.cursor() as cur:
        if exact:
            cur.execute("SELECT set_config('enable_indexscan', 'off', true)")
        else:
            cur.execute("SELECT set_config('hnsw.ef_search', %s, true), "
                        "set_config('hnsw.iterative_scan', 'relaxed_order', true)",
                        [str(min(ef_search, MAX_EF_SEARCH))])
        cur.execute(sql, args)
        return list(cur.fetchall())


def text_search(kb_id: str, query: str, *, limit: int, conditions: Sequence[Condition] = ()) -> list[Hit]:
    """Chunks matching `query` (`websearch_to_tsquery` syntax: words, "phrases", -exclusions, or),
    ranked by `ts_rank_cd` (normalised to 0..1); best first."""
    if limit <= 0 or not query.strip():
        return []
    where, params = filter_sql(conditions, "c.metadata")
    sql = (f"SELECT h.id, h.document_id, d.name, h.text, h.metadata, h.rank FROM ("
           f"SELECT c.id, c.document_id, c.text, c.metadata, ts_rank_cd(c.tsv, q.query, 32) AS rank "
           f"FROM rag_chunk c, websearch_to_tsquery('{TEXT_SEARCH_CONFIG}', %s) q(query) "
           f"WHERE c.knowledge_base_id = '{checked_kb_id(kb_id)}' AND c.tsv @@ q.query AND {where} "
           f"ORDER BY rank DESC, c.id LIMIT %s) h JOIN rag_document d ON d.id = h.document_id "
           f"ORDER BY h.rank DESC, h.id")
    with connection.cursor() as cur:
        cur.execute(sql, [query, *params, limit])
        rows = cur.fetchall()
    return [_hit(r[:5], float(r[5])) for r in rows]


def chunk_vectors(chunk_ids: Sequence[str]) -> dict[str, list[float]]:
    """Embeddings of chunks by public id (for MMR over hits that came without one)."""
    pks = [int(c.removeprefix("chk_")) for c in chunk_ids]
    if not pks:
        return {}
    with connection.cursor() as cur:
        cur.execute("SELECT id, embedding::text FROM rag_chunk WHERE id = ANY(%s)", [pks])
        return {chunk_public_id(pk): json.loads(text) for pk, text in cur.fetchall()}
