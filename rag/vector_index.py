"""Per-knowledge-base HNSW indexes on the shared `rag_chunk.embedding` column.

One table holds the vectors of every knowledge base, in a `vector` column without fixed
dimensions. Each knowledge base gets a partial HNSW index on `(embedding::vector(N))` (cosine
distance) restricted to its own rows of that size, so the planner uses it for queries that repeat
the predicate (`index_predicate`) and cast the column the same way. Dimensions above pgvector's
2,000 limit for `vector` indexes are indexed as `halfvec(N)` (up to 4,000). See
docs/decisions/0004-vector-storage.md.

HNSW parameters (chosen with `bench/rag_retrieval.py`; figures in docs/rag.md):
- `m = 16`, `ef_construction = 64` (pgvector's defaults): on MiniLM embeddings of real text,
  recall@10 is 0.96 at `ef_search = 40` with 100k chunks; the graph builds in about 20 s per 100k
  chunks and costs under 1 ms per chunk during ingestion (2-4 % of the embedding time). `m = 8`
  misses 0.95 on filtered queries; `m = 32, ef_construction = 128` gains 0.006 recall for 50 %
  more latency and 2.7 x the build time;
- `ef_search = 100` per query (at least `top_k`): recall@10 0.99 at 100k chunks for 3 ms p50, and
  the margin filtered queries need (0.97-0.99 at 10 %, 1 % and 20 % selectivity).
"""
from __future__ import annotations

import re

HNSW_M = 16
HNSW_EF_CONSTRUCTION = 64
DEFAULT_EF_SEARCH = 100
MAX_VECTOR_INDEX_DIMS = 2000  # pgvector: `vector` HNSW indexes up to 2,000 dims, `halfvec` up to 4,000
MAX_HALFVEC_INDEX_DIMS = 4000
_KB_ID = re.compile(r"^kb_[0-9a-f]{24}$")


def checked_kb_id(kb_id: str) -> str:
    """The id, verified to be a plain `kb_<hex>` so it can be inlined as an SQL literal.

    Partial-index predicates only match queries that carry the same constant, so the id is
    inlined instead of bound as a parameter (a generic plan would not use the index)."""
    if not _KB_ID.match(kb_id):
        raise ValueError(f"not a knowledge base id: {kb_id!r}")
    return kb_id


def vector_type(dimensions: int) -> str:
    """The SQL type vectors of this size are indexed and compared as."""
    if not 1 <= dimensions <= MAX_HALFVEC_INDEX_DIMS:
        raise ValueError(f"{dimensions} dimensions cannot be indexed (at most {MAX_HALFVEC_INDEX_DIMS})")
    return f"vector({dimensions})" if dimensions <= MAX_VECTOR_INDEX_DIMS else f"halfvec({dimensions})"


def opclass(dimensions: int) -> str:
    return "vector_cosine_ops" if dimensions <= MAX_VECTOR_INDEX_DIMS else "halfvec_cosine_ops"


def index_name(kb_id: str) -> str:
    return f"rag_chunk_hnsw_{checked_kb_id(kb_id)}"


def create_index_sql(kb_id: str, dimensions: int, *, concurrently: bool = False) -> str:
    kb_id = checked_kb_id(kb_id)
    how = "CONCURRENTLY " if concurrently else ""
    return (f"CREATE INDEX {how}IF NOT EXISTS {index_name(kb_id)} ON rag_chunk USING hnsw "
            f"((embedding::{vector_type(dimensions)}) {opclass(dimensions)}) "
            f"WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION}) WHERE {index_predicate(kb_id, dimensions)}")


def index_predicate(kb_id: str, dimensions: int, alias: str = "") -> str:
    """The partial index's rows, which queries repeat verbatim so the planner can use the index.

    The dimension check keeps rows of another size (a knowledge base's old chunks, deleted but
    still visible to older snapshots when its embedding model changes) out of the index, whose
    cast to `vector(N)` would fail on them."""
    column = f"{alias}." if alias else ""
    return (f"{column}knowledge_base_id = '{checked_kb_id(kb_id)}' "
            f"AND vector_dims({column}embedding) = {int(dimensions)}")


def drop_index_sql(kb_id: str, *, concurrently: bool = False) -> str:
    return f"DROP INDEX {'CONCURRENTLY ' if concurrently else ''}IF EXISTS {index_name(kb_id)}"


def create_index(cursor, kb_id: str, dimensions: int) -> None:
    """Create the knowledge base's HNSW index.

    Outside a transaction it is built `CONCURRENTLY`, so ingestion into other knowledge bases
    is never blocked by the scan of the shared table; inside one (an atomic block) it is a plain
    `CREATE INDEX`, which holds off writes to `rag_chunk` until the transaction commits."""
    cursor.execute(create_index_sql(kb_id, dimensions, concurrently=not cursor.db.in_atomic_block))


def drop_index(cursor, kb_id: str) -> None:
    """Drop the knowledge base's HNSW index (`CONCURRENTLY` outside a transaction)."""
    cursor.execute(drop_index_sql(kb_id, concurrently=not cursor.db.in_atomic_block))


def prune_orphan_indexes(cursor) -> list[str]:
    """Drop the indexes of knowledge bases that no longer exist (deleted with their project,
    whose cascade does not go through `delete_knowledge_base`); returns their names."""
    cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'rag_chunk' AND indexname LIKE %s "
                   "AND substring(indexname FROM %s) NOT IN (SELECT id FROM rag_knowledgebase)",
                   ["rag\\_chunk\\_hnsw\\_kb\\_%", len("rag_chunk_hnsw_") + 1])
    names = [row[0] for row in cursor.fetchall()]
    for name in names:
        drop_index(cursor, name.removeprefix("rag_chunk_hnsw_"))
    return names


def index_exists(cursor, kb_id: str) -> bool:
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [index_name(kb_id)])
    return bool(cursor.fetchone()[0])
