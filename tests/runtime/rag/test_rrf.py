"""Reciprocal-rank fusion of vector and full-text rankings (hybrid search)."""
from __future__ import annotations

import pytest

from runtime.rag.hits import Hit
from runtime.rag.ranking import fuse_hits, reciprocal_rank_fusion


def test_items_ranked_well_in_both_lists_win():
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["b", "c", "a"]])
    assert [item for item, _ in fused] == ["b", "a", "c"]
    assert fused[0][1] == pytest.approx(1 / 62 + 1 / 61)


def test_an_item_in_one_list_only_still_counts():
    fused = dict(reciprocal_rank_fusion([["a"], ["b", "a"]]))
    assert fused == {"a": pytest.approx(1 / 61 + 1 / 62), "b": pytest.approx(1 / 61)}


def test_ties_are_broken_deterministically_by_best_rank_then_first_appearance():
    fused = reciprocal_rank_fusion([["x", "y"], ["y", "x"]])
    assert [item for item, _ in fused] == ["x", "y"]
    assert fused[0][1] == pytest.approx(fused[1][1])


def test_weights_scale_each_ranking():
    fused = reciprocal_rank_fusion([["a", "b"], ["b", "a"]], weights=[3.0, 1.0])
    assert fused[0][0] == "a"
    with pytest.raises(ValueError):
        reciprocal_rank_fusion([["a"]], weights=[1.0, 2.0])


def test_fuse_hits_keeps_hit_data_and_records_each_rankers_rank_and_score():
    vector = [Hit("c1", "d1", "one", 0.91), Hit("c2", "d1", "two", 0.80)]
    text = [Hit("c2", "d1", "two", 7.5), Hit("c3", "d2", "three", 3.0)]
    fused = fuse_hits({"vector": vector, "text": text}, top_k=2)
    assert [h.chunk_id for h in fused] == ["c2", "c1"]
    assert fused[0].signals == {"vector_rank": 2.0, "vector_score": 0.80, "text_rank": 1.0, "text_score": 7.5}
    assert fused[0].text == "two"
    assert fused[0].score == pytest.approx(1 / 62 + 1 / 61)
