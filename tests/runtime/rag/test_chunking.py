"""Recursive chunking by tokens: sizes, overlap, offsets, determinism."""
from __future__ import annotations

import itertools
import time

import pytest

from runtime.errors import InputInvalid
from runtime.rag.chunking import ChunkingPolicy, chunk
from runtime.rag.documents import ExtractedDocument
from runtime.rag.tokens import CallableTokenCounter, count_tokens

SENTENCES = [f"Sentence number {i} explains how part {i % 7} of the system handles request {i * 13}." for i in range(300)]
PARAGRAPHS = "\n\n".join(" ".join(SENTENCES[i:i + 6]) for i in range(0, 300, 6))


def _doc(text: str) -> ExtractedDocument:
    return ExtractedDocument(text=text, format="text")


def test_every_chunk_fits_the_token_limit_and_none_is_empty():
    policy = ChunkingPolicy(chunk_tokens=64, overlap_tokens=8)
    chunks = chunk(_doc(PARAGRAPHS), policy)
    assert len(chunks) > 20
    for c in chunks:
        assert c.text.strip() == c.text and c.text
        assert c.token_count == count_tokens(c.text) <= 64


def test_chunks_are_exact_slices_of_the_text_in_order():
    doc = _doc(PARAGRAPHS)
    chunks = chunk(doc, ChunkingPolicy(chunk_tokens=80, overlap_tokens=16))
    assert [c.position for c in chunks] == list(range(len(chunks)))
    for c in chunks:
        assert doc.text[c.metadata["start_char"]:c.metadata["end_char"]] == c.text
    starts = [c.metadata["start_char"] for c in chunks]
    assert starts == sorted(starts)


def test_consecutive_chunks_overlap_by_whole_words_within_the_overlap_budget():
    doc = _doc(PARAGRAPHS)
    chunks = chunk(doc, ChunkingPolicy(chunk_tokens=80, overlap_tokens=16))
    for before, after in itertools.pairwise(chunks):
        overlap_end = before.metadata["end_char"]
        overlap_start = after.metadata["start_char"]
        assert overlap_start < overlap_end, "no overlap"
        shared = doc.text[overlap_start:overlap_end]
        assert 0 < count_tokens(shared) <= 16
        assert overlap_start == 0 or doc.text[overlap_start - 1].isspace()  # starts on a word


def test_no_overlap_when_overlap_is_zero():
    chunks = chunk(_doc(PARAGRAPHS), ChunkingPolicy(chunk_tokens=64, overlap_tokens=0))
    for before, after in itertools.pairwise(chunks):
        assert after.metadata["start_char"] >= before.metadata["end_char"]


def test_chunks_prefer_paragraph_boundaries():
    text = "\n\n".join(["alpha " * 30, "beta " * 30, "gamma " * 30]).strip()  # two never fit in one chunk
    chunks = chunk(_doc(text), ChunkingPolicy(chunk_tokens=50, overlap_tokens=0))
    assert [c.text.split()[0] for c in chunks] == ["alpha", "beta", "gamma"]
    assert all(len(set(c.text.split())) == 1 for c in chunks)


def test_a_word_longer_than_a_chunk_is_cut_by_characters():
    blob = "A" * 3000
    chunks = chunk(_doc(f"start {blob} end"), ChunkingPolicy(chunk_tokens=32, overlap_tokens=0))
    assert all(c.token_count <= 32 for c in chunks)
    assert "".join(c.text for c in chunks).replace(" ", "") == f"start{blob}end"


def test_a_huge_text_without_any_separator_is_cut_quickly():
    blob = "x" * 400_000
    started = time.perf_counter()
    chunks = chunk(_doc(blob), ChunkingPolicy(chunk_tokens=256, overlap_tokens=0))
    assert time.perf_counter() - started < 5.0
    assert "".join(c.text for c in chunks) == blob
    assert all(c.token_count <= 256 for c in chunks)


def test_chunking_is_deterministic():
    policy = ChunkingPolicy(chunk_tokens=70, overlap_tokens=10)
    first = [(c.text, c.metadata) for c in chunk(_doc(PARAGRAPHS), policy)]
    second = [(c.text, c.metadata) for c in chunk(_doc(PARAGRAPHS), policy)]
    assert first == second


def test_an_exact_counter_bounds_the_chunks_it_measures():
    words_as_tokens = CallableTokenCounter(lambda s: 2 * len(s.split()))
    chunks = chunk(_doc(PARAGRAPHS), ChunkingPolicy(chunk_tokens=40, overlap_tokens=6), words_as_tokens)
    assert chunks
    assert all(words_as_tokens.count(c.text) <= 40 for c in chunks)
    assert max(c.token_count for c in chunks) > 30  # chunks are packed, not tiny


def test_short_and_blank_documents():
    assert [c.text for c in chunk(_doc("  One line.  "))] == ["One line."]
    assert chunk(_doc(" \n\n ")) == []


@pytest.mark.parametrize("kwargs", [
    {"chunk_tokens": 8}, {"chunk_tokens": 100, "overlap_tokens": 60}, {"strategy": "semantic"},
    {"separators": ("(unclosed",)}, {"separators": (r"\s*",)},
])
def test_invalid_policies_are_refused(kwargs):
    with pytest.raises(InputInvalid):
        ChunkingPolicy(**kwargs)


def test_policy_round_trips_through_json_and_refuses_unknown_fields():
    policy = ChunkingPolicy(strategy="markdown", chunk_tokens=300, overlap_tokens=20)
    assert ChunkingPolicy.from_dict(policy.to_dict()) == policy
    with pytest.raises(InputInvalid):
        ChunkingPolicy.from_dict({"chunk_size": 300})
