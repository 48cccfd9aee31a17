"""Ranking steps after retrieval: reciprocal-rank fusion (hybrid search), score thresholds,
MMR diversity and near-duplicate removal. Pure functions; deterministic tie-breaking.

Hybrid search runs a vector query and a PostgreSQL full-text query (each top-N) and fuses
the two rankings with RRF (Cormack et al. 2009, k = 60): `score(d) = Σ w_i / (k + rank_i(d))`.
Fused scores are small (≤ Σ w_i / 61) and not comparable to cosine similarities, so a score
threshold belongs on the vector similarities *before* fusion.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np

from runtime.rag.hits import Hit

RRF_K = 60
_WORDS = re.compile(r"\w+")


def reciprocal_rank_fusion(rankings: Sequence[Sequence[str]], *, k: int = RRF_K,
                           weights: Sequence[float] | None = None) -> list[tuple[str, float]]:
    """Fuse ranked id lists (best first) into `(id, score)` pairs, best first.

    Ties are broken by the best single rank, then by first appearance, so output is deterministic.
    """
    weights = list(weights) if weights is not None else [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError("one weight per ranking")
    scores: dict[str, float] = {}
    best_rank: dict[str, int] = {}
    for ranking, weight in zip(rankings, weights):
        for rank, item in enumerate(dict.fromkeys(ranking), start=1):  # duplicates count once, at their best
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
            best_rank[item] = min(best_rank.get(item, rank), rank)
    order = {item: i for i, item in enumerate(scores)}
    return sorted(scores.items(), key=lambda pair: (-pair[1], best_rank[pair[0]], order[pair[0]]))


def fuse_hits(ranked: Mapping[str, Sequence[Hit]], *, k: int = RRF_K, top_k: int | None = None,
              weights: Mapping[str, float] | None = None) -> list[Hit]:
    """RRF over named hit lists (e.g. `{"vector": [...], "text": [...]}`).

    Each fused hit carries `signals[f"{name}_rank"]` and `signals[f"{name}_score"]` for every
    list it appeared in; its `score` is the fused score.
    """
    names = list(ranked)
    by_id: dict[str, Hit] = {}
    signals: dict[str, dict[str, float]] = {}
    for name in names:
        for rank, hit in enumerate(ranked[name], start=1):
            by_id.setdefault(hit.chunk_id, hit)
            entry = signals.setdefault(hit.chunk_id, {})
            entry.setdefault(f"{name}_rank", float(rank))
            entry.setdefault(f"{name}_score", hit.score)
    fused = reciprocal_rank_fusion([[h.chunk_id for h in ranked[n]] for n in names], k=k,
                                   weights=[(weights or {}).get(n, 1.0) for n in names])
    out = []
    for chunk_id, score in fused[:top_k]:
        hit = by_id[chunk_id]
        out.append(Hit(chunk_id=hit.chunk_id, document_id=hit.document_id, text=hit.text, score=score,
                       document_name=hit.document_name, metadata=hit.metadata, vector=hit.vector,
                       signals={**hit.signals, **signals[chunk_id]}))
    return out


def filter_by_score(hits: Sequence[Hit], min_score: float | None) -> list[Hit]:
    """Keep hits scoring at least `min_score` (None keeps all)."""
    return list(hits) if min_score is None else [h for h in hits if h.score >= min_score]


def mmr(query_vector: Sequence[float], candidate_vectors: Sequence[Sequence[float]], *, k: int,
        lambda_: float = 0.5) -> list[int]:
    """Maximal marginal relevance: indices of `k` candidates balancing relevance and novelty.

    `lambda_ = 1` is pure relevance, `0` pure diversity. Cosine similarity on normalised vectors.
    """
    if not 0.0 <= lambda_ <= 1.0:
        raise ValueError("lambda_ must be within [0, 1]")
    if not candidate_vectors or k <= 0:
        return []
    candidates = normalise_rows(np.asarray(candidate_vectors, dtype=np.float64))
    query = normalise_rows(np.asarray(query_vector, dtype=np.float64)[None, :])[0]
    relevance = candidates @ query
    similarity = candidates @ candidates.T
    selected = [int(np.argmax(relevance))]
    redundancy = similarity[selected[0]].copy()
    remaining = np.ones(len(candidates), dtype=bool)
    remaining[selected[0]] = False
    while len(selected) < min(k, len(candidates)):
        scores = np.where(remaining, lambda_ * relevance - (1.0 - lambda_) * redundancy, -np.inf)
        best = int(np.argmax(scores))
        selected.append(best)
        remaining[best] = False
        redundancy = np.maximum(redundancy, similarity[best])
    return selected


def mmr_hits(hits: Sequence[Hit], query_vector: Sequence[float], *, k: int, lambda_: float = 0.5) -> list[Hit]:
    """Re-rank hits with MMR; every hit needs its `vector`."""
    missing = [h.chunk_id for h in hits if h.vector is None]
    if missing:
        raise ValueError(f"MMR needs chunk vectors; missing for {missing[:3]}")
    order = mmr(query_vector, [h.vector for h in hits if h.vector is not None], k=k, lambda_=lambda_)
    return [hits[i] for i in order]


def dedupe_hits(hits: Sequence[Hit], *, threshold: float = 0.9) -> tuple[list[Hit], list[Hit]]:
    """Drop near-identical chunks (word 3-gram Jaccard ≥ threshold), keeping the earlier (better) one.

    Returns `(kept, dropped)`, both in input order.
    """
    kept: list[Hit] = []
    kept_shingles: list[frozenset[tuple[str, ...]]] = []
    dropped: list[Hit] = []
    for hit in hits:
        shingles = _shingles(hit.text)
        if any(_jaccard(shingles, other) >= threshold for other in kept_shingles):
            dropped.append(hit)
        else:
            kept.append(hit)
            kept_shingles.append(shingles)
    return kept, dropped


def _shingles(text: str, size: int = 3) -> frozenset[tuple[str, ...]]:
    words = _WORDS.findall(text.lower())
    if len(words) < size:
        return frozenset({tuple(words)})
    return frozenset(tuple(words[i:i + size]) for i in range(len(words) - size + 1))


def _jaccard(a: frozenset[tuple[str, ...]], b: frozenset[tuple[str, ...]]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def normalise_rows(matrix: np.ndarray) -> np.ndarray:
    """Scale each row to unit length (zero rows stay zero)."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0.0, 1.0, norms)
