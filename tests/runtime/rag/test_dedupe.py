"""Near-identical chunks are removed, keeping the better-ranked copy."""
from __future__ import annotations

from runtime.rag.hits import Hit
from runtime.rag.ranking import dedupe_hits, filter_by_score

TEXT = "Refunds are processed within five business days after the returned item arrives at our warehouse."


def test_exact_and_near_duplicates_are_dropped_in_favour_of_the_first():
    hits = [
        Hit("a", "d1", TEXT, 0.9),
        Hit("b", "d2", TEXT.upper(), 0.8),  # same words, different case
        Hit("c", "d3", TEXT + " Thanks!", 0.7),  # near-identical
        Hit("d", "d4", "Shipping is free for orders over fifty euros in the European Union.", 0.6),
    ]
    kept, dropped = dedupe_hits(hits, threshold=0.8)
    assert [h.chunk_id for h in kept] == ["a", "d"]
    assert [h.chunk_id for h in dropped] == ["b", "c"]


def test_overlapping_neighbour_chunks_are_not_duplicates():
    words = [f"w{i}" for i in range(100)]
    first, second = " ".join(words[:60]), " ".join(words[50:])  # 10 words of overlap
    kept, dropped = dedupe_hits([Hit("a", "d", first, 0.9), Hit("b", "d", second, 0.8)])
    assert len(kept) == 2 and dropped == []


def test_score_threshold_keeps_hits_at_or_above_it():
    hits = [Hit("a", "d", "x", 0.9), Hit("b", "d", "y", 0.5), Hit("c", "d", "z", 0.49)]
    assert [h.chunk_id for h in filter_by_score(hits, 0.5)] == ["a", "b"]
    assert len(filter_by_score(hits, None)) == 3
