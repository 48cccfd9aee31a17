"""Hybrid mode fuses vector and full-text rankings (RRF): an exact keyword the embedding misses
still comes first. Score thresholds apply to cosine similarities; MMR diversifies."""
from __future__ import annotations

import pytest

from rag.retrieval import query_hits
from tests.rag.factories import add_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def manuals(kb):
    # Generic troubleshooting prose that repeats the query's common words...
    for i in range(4):
        add_text(kb, f"generic{i}.md", "How to fix an error: fix the error, then fix the next error. "
                                       f"Errors happen; fixing errors is routine (page {i}).")
    # ...and the one chunk that names the exact error code, buried in unrelated words.
    add_text(kb, "codes.md", "Controller firmware reference table: code E4711 means the coolant pump "
                             "stalled; to fix error E4711 replace the pump relay, recalibrate sensors, "
                             "restart the controller and check the telemetry dashboard afterwards.")
    return kb


def test_hybrid_ranks_the_exact_keyword_match_first_where_vector_search_does_not(manuals):
    query = "fix error E4711"
    vector = query_hits(manuals, query, top_k=3, mode="vector")
    hybrid = query_hits(manuals, query, top_k=3, mode="hybrid")
    assert vector[0].document_name != "codes.md"
    assert hybrid[0].document_name == "codes.md"
    assert hybrid[0].signals["text_rank"] == 1.0 and "vector_rank" in hybrid[0].signals
    assert hybrid[0].score < 1 / 30  # a fused RRF score, not a cosine similarity


def test_full_text_understands_phrases_and_exclusions(manuals):
    hits = query_hits(manuals, '"coolant pump" -dashboard', top_k=5, mode="hybrid")
    assert all("text_rank" not in h.signals for h in hits)  # the exclusion removes the only phrase match
    hits = query_hits(manuals, '"coolant pump"', top_k=5, mode="hybrid")
    assert [h.document_name for h in hits if "text_rank" in h.signals] == ["codes.md"]


def test_min_score_drops_weak_vector_hits(manuals):
    everything = query_hits(manuals, "fix error", top_k=5)
    threshold = (everything[0].score + everything[-1].score) / 2
    strong = query_hits(manuals, "fix error", top_k=5, min_score=threshold)
    assert 0 < len(strong) < len(everything)
    assert all(h.score >= threshold for h in strong)


def test_min_score_in_hybrid_mode_applies_before_fusion(manuals):
    hits = query_hits(manuals, "fix error E4711", top_k=5, mode="hybrid", min_score=0.99)
    assert [h.document_name for h in hits] == ["codes.md"]  # only the full-text match survives
    assert "vector_rank" not in hits[0].signals


def test_mmr_prefers_diverse_chunks_over_near_duplicates(manuals):
    plain = query_hits(manuals, "fix error", top_k=2)
    diverse = query_hits(manuals, "fix error", top_k=2, mmr_lambda=0.3)
    assert all(h.document_name.startswith("generic") for h in plain)
    # The first pick is the most relevant chunk; the generic pages differ by one digit, so their
    # similarities tie to float precision and either of the tied ones may come first.
    assert diverse[0].document_name.startswith("generic")
    assert diverse[0].score == pytest.approx(plain[0].score, abs=1e-4)
    assert diverse[1].document_name == "codes.md"
