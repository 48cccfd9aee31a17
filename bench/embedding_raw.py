"""Raw throughput of the embedded embedding model, and of the runtime's ingestion path beside it.

    .venv/bin/python bench/embedding_raw.py [--chunks 512] [--batch-size 64] [--repeats 2]

Figures (chunks/s, ~60-word passages of real text from `bench/corpus.py`):
- raw: `SentenceTransformer.encode(texts, batch_size=64)` on the bundled all-MiniLM-L6-v2 —
  the ceiling any ingestion can reach on this machine;
- pipeline: the runtime's ingestion steps on the same passages (each one a text document):
  `prepare_document` (type detection, decoding, chunking, hashing) then `embed_chunks` with
  `LocalMiniLMEmbedder` (dimension checks, progress, vectors as lists), without the database.
- preparation: the pipeline's own cost per chunk outside the model, as a share of the model's.
Model loading (about 5 s) and one warm-up batch are excluded. Runs alternate raw/pipeline so
both see the same machine load; the best of `--repeats` is reported for each. On a shared
machine the two throughputs swing by ±30 % between runs; the preparation share does not.

`measure_raw_throughput(n)` is importable: the database ingestion benchmark calls it in the
same run to check ingestion >= 80 % of the raw figure (ARCHITECTURE.md §7).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `bench` and `runtime` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import text_chunks
from runtime.rag.chunking import ChunkingPolicy
from runtime.rag.ingest import embed_chunks, prepare_document
from runtime.rag.local_embedder import LocalMiniLMEmbedder, load_local_model


def _warm_up(texts: list[str], batch_size: int) -> None:
    load_local_model().encode(texts[:batch_size], batch_size=batch_size, show_progress_bar=False)


def measure_raw_throughput(n_chunks: int = 512, *, batch_size: int = 64, texts: list[str] | None = None) -> float:
    """Chunks per second of the bare model on `n_chunks` ~60-word passages (load and warm-up excluded)."""
    texts = texts if texts is not None else text_chunks(n_chunks)
    model = load_local_model()
    _warm_up(texts, batch_size)
    started = time.perf_counter()
    model.encode(texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True,
                 show_progress_bar=False)
    return len(texts) / (time.perf_counter() - started)


def measure_pipeline_throughput(n_chunks: int = 512, *, batch_size: int = 64, texts: list[str] | None = None) -> float:
    """Chunks per second through prepare_document + embed_chunks (no database), same passages."""
    texts = texts if texts is not None else text_chunks(n_chunks)
    embedder = LocalMiniLMEmbedder(batch_size=batch_size)
    policy = ChunkingPolicy(chunk_tokens=256, overlap_tokens=32)
    _warm_up(texts, batch_size)
    started = time.perf_counter()
    chunks = [c for text in texts
              for c in prepare_document(text.encode(), content_type="text/plain", policy=policy).chunks]
    embedded = sum(len(batch.vectors) for batch in embed_chunks(chunks, embedder, batch_size=256))
    return embedded / (time.perf_counter() - started)


def measure_preparation_ms(texts: list[str]) -> float:
    """Milliseconds per chunk spent outside the model: extraction, chunking, hashing (no embedding)."""
    policy = ChunkingPolicy(chunk_tokens=256, overlap_tokens=32)
    started = time.perf_counter()
    count = sum(len(prepare_document(t.encode(), content_type="text/plain", policy=policy).chunks) for t in texts)
    return (time.perf_counter() - started) * 1000 / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chunks", type=int, default=512)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    texts = text_chunks(args.chunks)
    started = time.perf_counter()
    load_local_model()
    print(f"model load: {time.perf_counter() - started:.1f} s")
    raw, pipeline = [], []
    for _ in range(args.repeats):
        raw.append(measure_raw_throughput(batch_size=args.batch_size, texts=texts))
        pipeline.append(measure_pipeline_throughput(batch_size=args.batch_size, texts=texts))
    words = sum(len(t.split()) for t in texts) / len(texts)
    print(f"passages: {len(texts)} x {words:.0f} words, batch {args.batch_size}, best of {args.repeats}")
    print(f"raw embedding:      {max(raw):7.1f} chunks/s   (runs: {', '.join(f'{r:.1f}' for r in raw)})")
    print(f"runtime pipeline:   {max(pipeline):7.1f} chunks/s   (runs: {', '.join(f'{p:.1f}' for p in pipeline)})")
    print(f"pipeline / raw:     {max(pipeline) / max(raw):7.1%}   (budget: >= 80 %)")
    prep_ms = measure_preparation_ms(texts)
    print(f"preparation:        {prep_ms:7.3f} ms/chunk = {prep_ms / (1000 / max(raw)):.1%} of the raw model's time "
          "per chunk (machine-load independent share of the overhead)")


if __name__ == "__main__":
    main()
