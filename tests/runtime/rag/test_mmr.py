"""MMR diversity re-ranking."""
from __future__ import annotations

import pytest

from runtime.rag.hits import Hit
from runtime.rag.ranking import mmr, mmr_hits

QUERY = [1.0, 0.0, 0.0]
# Two near-identical vectors close to the query, one different but still relevant.
CANDIDATES = [[0.99, 0.14, 0.0], [0.98, 0.17, 0.0], [0.7, 0.0, 0.71]]


def test_pure_relevance_keeps_similarity_order():
    assert mmr(QUERY, CANDIDATES, k=3, lambda_=1.0) == [0, 1, 2]


def test_diversity_promotes_a_different_relevant_candidate_over_a_near_duplicate():
    assert mmr(QUERY, CANDIDATES, k=2, lambda_=0.5) == [0, 2]


def test_k_larger_than_candidates_returns_each_once():
    assert sorted(mmr(QUERY, CANDIDATES, k=10)) == [0, 1, 2]
    assert mmr(QUERY, [], k=3) == []


def test_lambda_outside_unit_interval_is_refused():
    with pytest.raises(ValueError):
        mmr(QUERY, CANDIDATES, k=2, lambda_=1.5)


def test_mmr_hits_reorders_hits_and_needs_their_vectors():
    hits = [Hit(f"c{i}", "d", f"text {i}", 0.9 - i / 10, vector=v) for i, v in enumerate(CANDIDATES)]
    assert [h.chunk_id for h in mmr_hits(hits, QUERY, k=2, lambda_=0.5)] == ["c0", "c2"]
    hits[1].vector = None
    with pytest.raises(ValueError):
        mmr_hits(hits, QUERY, k=2)
