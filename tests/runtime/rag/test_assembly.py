"""Prompt assembly: budget, ordering, dedupe, citations, no-answer behaviour."""
from __future__ import annotations

import pytest

from runtime.errors import InputInvalid
from runtime.rag.assembly import DEFAULT_NO_ANSWER, AssemblyPolicy, assemble
from runtime.rag.hits import Hit
from runtime.rag.tokens import count_tokens


def _hit(chunk_id: str, document_id: str, score: float, text: str, **metadata) -> Hit:
    return Hit(chunk_id, document_id, text, score, document_name=f"{document_id}.pdf", metadata=metadata)


HITS = [
    _hit("c1", "refunds", 0.91, "Refunds are paid within five business days.", position=3, page=2),
    _hit("c2", "shipping", 0.85, "Orders ship from Lyon within two days.", position=0),
    _hit("c3", "refunds", 0.80, "A refund needs the order number.", position=1, page=1),
]
BARE = AssemblyPolicy(header="")


def test_chunks_get_numbered_markers_that_map_back_to_chunks_and_documents():
    context = assemble(HITS, BARE)
    assert context.found
    assert context.text.split("\n\n") == [
        "[1] refunds.pdf, page 2\nRefunds are paid within five business days.",
        "[2] shipping.pdf\nOrders ship from Lyon within two days.",
        "[3] refunds.pdf, page 1\nA refund needs the order number.",
    ]
    assert [(c.marker, c.chunk_id, c.document_id, c.document_name, c.score) for c in context.citations] == [
        ("[1]", "c1", "refunds", "refunds.pdf", 0.91),
        ("[2]", "c2", "shipping", "shipping.pdf", 0.85),
        ("[3]", "c3", "refunds", "refunds.pdf", 0.80),
    ]
    assert context.citations[0].page == 2


def test_hits_are_sorted_by_score_whatever_order_they_arrive_in():
    context = assemble(list(reversed(HITS)), BARE)
    assert [c.chunk_id for c in context.citations] == ["c1", "c2", "c3"]


def test_document_ordering_groups_chunks_by_document_in_document_order():
    context = assemble(HITS, AssemblyPolicy(header="", ordering="document"))
    assert [c.chunk_id for c in context.citations] == ["c3", "c1", "c2"]
    assert [c.marker for c in context.citations] == ["[1]", "[2]", "[3]"]


def test_citing_by_document_shares_one_marker_per_document():
    context = assemble(HITS, AssemblyPolicy(header="", cite_by="document"))
    assert [(c.chunk_id, c.marker) for c in context.citations] == [("c1", "[1]"), ("c2", "[2]"), ("c3", "[1]")]


def test_the_token_budget_is_never_exceeded_and_lower_scored_chunks_are_dropped():
    long_text = " ".join(["billing"] * 60)
    hits = [_hit(f"c{i}", f"d{i}", 1 - i / 10, f"{long_text} {i}") for i in range(5)]
    policy = AssemblyPolicy(token_budget=200)
    context = assemble(hits, policy)
    assert context.used_tokens == count_tokens(context.text) <= 200
    assert [c.chunk_id for c in context.citations] == ["c0", "c1"]
    assert context.dropped == [{"chunk_id": f"c{i}", "reason": "budget"} for i in (2, 3, 4)]


def test_a_smaller_chunk_that_still_fits_is_used_after_a_bigger_one_is_skipped():
    hits = [_hit("big", "d1", 0.9, "word " * 150), _hit("small", "d2", 0.8, "Short answer."),
            _hit("top", "d3", 0.95, "Top answer.")]
    context = assemble(hits, AssemblyPolicy(header="", token_budget=60))
    assert [c.chunk_id for c in context.citations] == ["top", "small"]
    assert {"chunk_id": "big", "reason": "budget"} in context.dropped


def test_when_even_the_best_chunk_is_too_big_it_is_truncated_to_fit():
    context = assemble([_hit("huge", "d1", 0.9, "lorem " * 500)], AssemblyPolicy(header="", token_budget=50))
    assert context.found
    assert context.used_tokens <= 50
    assert context.citations[0].truncated
    assert context.text.endswith("…")


def test_duplicates_and_low_scores_are_dropped_with_reasons():
    hits = HITS + [_hit("dup", "copy", 0.88, HITS[0].text), _hit("weak", "d9", 0.2, "Unrelated text.")]
    context = assemble(hits, AssemblyPolicy(header="", min_score=0.5))
    assert [c.chunk_id for c in context.citations] == ["c1", "c2", "c3"]
    assert context.dropped == [{"chunk_id": "weak", "reason": "below_min_score"},
                               {"chunk_id": "dup", "reason": "duplicate"}]


def test_max_chunks_limits_the_context():
    context = assemble(HITS, AssemblyPolicy(header="", max_chunks=1))
    assert [c.chunk_id for c in context.citations] == ["c1"]
    assert [d["reason"] for d in context.dropped] == ["max_chunks", "max_chunks"]


def test_the_header_names_the_citation_style():
    context = assemble(HITS, AssemblyPolicy(citation_style="({n})"))
    assert context.text.startswith("Answer using the numbered sources below.")
    assert "like (1)." in context.text
    assert "(2) shipping.pdf" in context.text


def test_no_hits_says_unknown_by_default():
    context = assemble([], AssemblyPolicy())
    assert not context.found
    assert context.text == DEFAULT_NO_ANSWER
    assert context.citations == []


def test_no_usable_hits_with_empty_policy_gives_an_empty_context():
    context = assemble(HITS, AssemblyPolicy(min_score=0.99, no_answer="empty"))
    assert (context.found, context.text, context.used_tokens) == (False, "", 0)
    assert len(context.dropped) == 3


def test_hit_dicts_in_the_api_shape_are_accepted_and_assembly_is_deterministic():
    dicts = [h.to_dict() for h in HITS]
    assert assemble(dicts, BARE).to_dict() == assemble(HITS, BARE).to_dict()


def test_invalid_policies_are_refused():
    with pytest.raises(InputInvalid):
        AssemblyPolicy(ordering="random")
    with pytest.raises(InputInvalid):
        AssemblyPolicy.from_dict({"budget": 10})
    assert AssemblyPolicy.from_dict({"token_budget": 10}).token_budget == 10
