"""Retrieval latency (p50/p95) and recall@10 against exact search, at 10k and 100k chunks.

    .venv/bin/python bench/rag_retrieval.py [--quick] [--queries 200] [--sizes 10000,100000]

Data: 20,000 passages of real technical prose (`bench/corpus.py`) embedded by the local MiniLM
model (cached in var/bench as .npy; about 4 minutes the first time), filled up to 100k with
clustered synthetic vectors around the real ones (`clustered_vectors`: paraphrase-like
neighbours; uniform random vectors are HNSW's worst case and say nothing about real data).
Queries: held-out passages (not in the index), embedded by the same model: recall is measured
on embeddings of real text. Ground truth: exact top-10 by numpy over the same vectors (for
filtered queries, over the rows matching the filter).

Each knowledge base is loaded with COPY into `rag_chunk`, then its partial HNSW index is built
(m = 16, ef_construction = 64, `rag/vector_index.py`). Searches go through the production path
(`rag.search_sql.vector_search`: a transaction setting `hnsw.ef_search` and iterative scans, the
query, document names joined, rows parsed). Reported per size: build time; for ef_search 40, 64,
100, 200: recall@10, p50, p95; filtered queries (10 %, 1 % and a 20 % range) at the default
ef_search; exact scans in PostgreSQL and numpy for scale; the full query path with the query
embedded by the model, vector and hybrid.

Runs on isolated embedded services (`var/bench`) in a separate database (`bench_rag`).
Budgets (ARCHITECTURE.md §7): top-10 p50 < 10 ms at 100k chunks, recall@10 >= 0.95.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _stack import ROOT, Stack, configure_environment  # noqa: E402

BENCH_DATABASE = "bench_rag"
EF_SEARCHES = (40, 64, 100, 200)
FILTERS: dict[str, dict[str, Any]] = {"10 % (group = 3)": {"group": 3}, "1 % (bucket = 42)": {"bucket": 42},
                                      "20 % (year >= 2020)": {"year": {"gte": 2020}}}
ROWS_PER_DOCUMENT = 1000


def use_separate_database(name: str = BENCH_DATABASE) -> None:
    """Point DATABASE_URL at database `name` of the benchmark's embedded PostgreSQL (created if missing)."""
    if os.environ.get("DATABASE_URL"):
        return
    configure_environment()
    import psycopg

    from agent_platform import embedded

    url = embedded.ensure_postgres(embedded.var_dir())
    with psycopg.connect(url, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = url.replace(f"/{embedded.DB_NAME}?", f"/{name}?")


# --- data ---------------------------------------------------------------------------------------
def corpus(n_real: int, n_queries: int) -> tuple[list[str], Any, list[str], Any]:
    """`n_real` passages to index and `n_queries` held-out ones (the next passages), with their
    embeddings. A cached embedding of a longer prefix of the corpus is sliced when there is one
    (`text_chunks` is prefix-stable); otherwise the passages are embedded and cached."""
    import numpy as np

    from bench.corpus import corpus_vectors, text_chunks

    cache_dir = ROOT / "var" / "bench"
    sizes = sorted(int(p.name.split("-")[1]) for p in cache_dir.glob("minilm-[0-9]*-*.npy"))
    for size in (m for m in sizes if m >= n_real + n_queries):
        texts = text_chunks(size)
        digest = hashlib.blake2b("\n".join(texts).encode(), digest_size=8).hexdigest()
        cache = cache_dir / f"minilm-{size}-{digest}.npy"
        if cache.exists():
            vectors = np.load(cache)
            end = n_real + n_queries
            return texts[:n_real], vectors[:n_real], texts[n_real:end], vectors[n_real:end]
    texts, vectors = corpus_vectors(n_real)
    query_texts, queries = query_set(n_real, n_queries)
    return texts, vectors, query_texts, queries


def query_set(n_real: int, n_queries: int) -> tuple[list[str], Any]:
    """Held-out passages (after the indexed ones) and their embeddings, cached like the corpus."""
    import numpy as np

    from bench.corpus import text_chunks

    texts = text_chunks(n_real + n_queries)[n_real:]
    digest = hashlib.blake2b("\n".join(texts).encode(), digest_size=8).hexdigest()
    cache = ROOT / "var" / "bench" / f"minilm-queries-{n_real}-{n_queries}-{digest}.npy"
    if cache.exists():
        return texts, np.load(cache)
    from runtime.rag.local_embedder import LocalMiniLMEmbedder

    vectors = LocalMiniLMEmbedder().embed_documents_array(texts)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.save(cache, vectors)
    return texts, vectors


def row_metadata(i: int) -> dict[str, int]:
    return {"group": i % 10, "bucket": i % 100, "year": 2000 + (i * 7) % 25}


def load_knowledge_base(project, name: str, vectors: Any, texts: Sequence[str]) -> tuple[Any, float, float]:
    """A knowledge base holding `vectors` (COPY), then its HNSW index built: (kb, load s, build s)."""
    import json

    from django.db import connection, transaction

    from rag import services, vector_index
    from rag.models import Document

    kb = services.create_knowledge_base(project=project, name=name)
    with connection.cursor() as cur:
        vector_index.drop_index(cur, kb.pk)  # bulk-build after loading: faster than n incremental inserts
    started = time.perf_counter()
    for start in range(0, len(vectors), ROWS_PER_DOCUMENT):
        document = Document.objects.create(knowledge_base=kb, name=f"part-{start:06d}", source="text",
                                           status=Document.READY)
        with transaction.atomic(), connection.cursor() as cur, cur.cursor.copy(
                "COPY rag_chunk (knowledge_base_id, document_id, position, text, token_count, metadata, embedding) "
                "FROM STDIN") as copy:
            for i in range(start, min(start + ROWS_PER_DOCUMENT, len(vectors))):
                literal = "[" + ",".join(f"{x:.9g}" for x in vectors[i].tolist()) + "]"
                copy.write_row((kb.pk, document.pk, i - start, texts[i % len(texts)], 80,
                                json.dumps({**row_metadata(i), "position": i - start}), literal))
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL maintenance_work_mem = '1GB'")
        cur.execute("SET LOCAL max_parallel_maintenance_workers = 1")
        vector_index.create_index(cur, kb.pk, kb.dimensions)
    built = time.perf_counter() - started
    with connection.cursor() as cur:
        cur.execute("ANALYZE rag_chunk")
    return kb, loaded, built


# --- measuring ----------------------------------------------------------------------------------
def exact_top_k(matrix: Any, queries: Any, k: int, mask: Any = None) -> list[set[int]]:
    import numpy as np

    out = []
    for query in queries:
        scores = matrix @ query
        if mask is not None:
            scores = np.where(mask, scores, -np.inf)
        top = np.argpartition(-scores, k)[:k]
        out.append({int(i) for i in top if np.isfinite(scores[i])})
    return out


def timed(fn: Callable[[Any], Any], items: Sequence[Any]) -> tuple[list[Any], list[float]]:
    results, latencies = [], []
    for item in items:
        started = time.perf_counter()
        results.append(fn(item))
        latencies.append((time.perf_counter() - started) * 1000)
    return results, latencies


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def row_indexes(hits) -> set[int]:
    """Row numbers of hits in the loaded matrix: the document part's offset + the chunk's position."""
    return {int(h.document_name.removeprefix("part-")) + int(h.metadata["position"]) for h in hits}


def recall(found: Sequence[set[int]], truth: Sequence[set[int]]) -> float:
    scores = [len(f & t) / len(t) for f, t in zip(found, truth) if t]
    return statistics.fmean(scores) if scores else 1.0


def search_fn(kb, *, ef_search: int, conditions=(), exact: bool = False, k: int = 10):
    from rag.search_sql import vector_search

    def run(query: Any) -> Any:
        return vector_search(kb.pk, kb.dimensions, query.tolist(), top_k=k, conditions=conditions,
                             ef_search=ef_search, exact=exact)
    return run


def line(label: str, rec: float | None, latencies: Sequence[float], extra: str = "") -> None:
    rec_text = f"{rec:6.3f}" if rec is not None else "     -"
    print(f"  {label:<34} recall@10 {rec_text}   p50 {percentile(latencies, 50):7.2f} ms   "
          f"p95 {percentile(latencies, 95):7.2f} ms{extra}")


def measure_size(project, size: int, real: Any, texts: list[str], queries: Any, query_texts: list[str],
                 n_e2e: int) -> None:
    import numpy as np

    from bench.corpus import clustered_vectors
    from rag.vector_index import DEFAULT_EF_SEARCH
    from runtime.rag.filters import parse_filter

    n_real = min(size, len(real))
    matrix = real[:n_real] if size <= len(real) else np.vstack([real, clustered_vectors(real, size - len(real))])
    kb, loaded, built = load_knowledge_base(project, f"bench-{size}", matrix, texts)
    print(f"\n{size:,} chunks ({n_real:,} real-text embeddings"
          f"{f' + {size - n_real:,} clustered synthetic' if size > n_real else ''}), {len(queries)} queries: "
          f"COPY {loaded:.1f} s, HNSW build {built:.1f} s")
    truth = exact_top_k(matrix, queries, 10)
    search_fn(kb, ef_search=DEFAULT_EF_SEARCH)(queries[0])
    timed(search_fn(kb, ef_search=DEFAULT_EF_SEARCH), queries)  # warm the caches
    for ef in EF_SEARCHES:
        results, latencies = timed(search_fn(kb, ef_search=ef), queries)
        line(f"top-10, ef_search {ef}{' (default)' if ef == DEFAULT_EF_SEARCH else ''}",
             recall([row_indexes(r) for r in results], truth), latencies)
    for label, spec in FILTERS.items():
        conditions = parse_filter(spec)
        mask = np.array([all(_holds(row_metadata(i), c) for c in conditions) for i in range(size)])
        truth_f = exact_top_k(matrix, queries, 10, mask)
        results, latencies = timed(search_fn(kb, ef_search=DEFAULT_EF_SEARCH, conditions=conditions), queries)
        full = sum(len(r) == 10 for r in results) / len(results)
        line(f"filtered {label}", recall([row_indexes(r) for r in results], truth_f), latencies,
             f"   {full:.0%} return 10")
    sample = queries[: max(20, len(queries) // 4)]
    _, latencies = timed(search_fn(kb, ef_search=DEFAULT_EF_SEARCH, exact=True), sample)
    line("exact scan in PostgreSQL (no index)", 1.0, latencies)
    _, latencies = timed(lambda q: np.argpartition(-(matrix @ q), 10)[:10], queries)
    line("exact scan in numpy (in memory)", 1.0, latencies)
    end_to_end(project, kb, query_texts[:n_e2e])


def _holds(metadata: dict, condition: Any) -> bool:
    from runtime.rag.filters import matches

    return matches(metadata, [condition])


def end_to_end(project, kb, query_texts: list[str]) -> None:
    from rag.retrieval import ProjectRetriever, SearchOptions
    from runtime.rag.local_embedder import LocalMiniLMEmbedder

    embedder = LocalMiniLMEmbedder()
    _, embed_ms = timed(embedder.embed_query, query_texts)
    line("query embedding alone (MiniLM, CPU)", None, embed_ms)
    for mode in ("vector", "hybrid"):
        retriever = ProjectRetriever(project)  # a fresh one per mode: no memoised query vectors
        options = SearchOptions(top_k=10, mode=mode)
        _, latencies = timed(lambda text, r=retriever, o=options: r.search_knowledge_base(kb, text, o), query_texts)
        line(f"text query end to end, {mode}", None, latencies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="10k chunks, 50 queries (real passages from the cache if there is one, else 1,000)")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--real", type=int, default=20_000, help="passages embedded by the local model")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--m", type=int, default=None, help="HNSW m to try instead of the platform's")
    parser.add_argument("--ef-construction", type=int, default=None, help="HNSW ef_construction to try")
    args = parser.parse_args()
    if args.quick:
        cached = any((ROOT / "var" / "bench").glob("minilm-[0-9]*-*.npy"))
        args.real, args.queries, args.sizes = (10_000 if cached else 1000), 50, "10000"
    use_separate_database()
    with Stack() as stack:
        from rag import services, vector_index
        from rag.models import KnowledgeBase
        from runtime.rag.local_embedder import load_local_model

        vector_index.HNSW_M = args.m or vector_index.HNSW_M  # read when an index is created
        vector_index.HNSW_EF_CONSTRUCTION = args.ef_construction or vector_index.HNSW_EF_CONSTRUCTION
        print(f"HNSW m = {vector_index.HNSW_M}, ef_construction = {vector_index.HNSW_EF_CONSTRUCTION}")

        project, _ = stack.project("rag-retrieval")
        started = time.perf_counter()
        texts, real, query_texts, queries = corpus(args.real, args.queries)
        load_local_model()
        print(f"corpus: {len(texts):,} real passages + {len(queries)} held-out queries embedded "
              f"(or loaded from var/bench) in {time.perf_counter() - started:.1f} s")
        try:
            for size in (int(s) for s in args.sizes.split(",")):
                measure_size(project, size, real, texts, queries, query_texts, min(50, len(query_texts)))
        finally:
            for kb in KnowledgeBase.objects.filter(project=project):
                services.delete_knowledge_base(kb=kb)
    print("\nbudgets: top-10 p50 < 10 ms at 100k chunks, recall@10 >= 0.95 (ARCHITECTURE.md §7)")


if __name__ == "__main__":
    main()
