"""The approximate token counter behaves like a BPE count; an exact counter can be injected."""
from __future__ import annotations

from runtime.rag.tokens import (
    ApproxTokenCounter,
    CallableTokenCounter,
    count_tokens,
    piece_costs,
)

PROSE = ("The scheduler assigns each job to a worker, retries failed jobs with exponential backoff, "
         "and records every attempt so operators can see why a job failed.")


def test_empty_text_has_no_tokens():
    assert count_tokens("") == 0


def test_common_english_words_cost_about_one_token_each():
    words = len(PROSE.split())
    tokens = count_tokens(PROSE)
    # cl100k_base gives 30 tokens for this sentence (26 words, 2 commas, a full stop).
    assert 28 <= tokens <= 33, tokens
    assert tokens > words


def test_long_identifiers_and_numbers_cost_more_than_one_token():
    assert count_tokens("x" * 100) >= 20
    assert count_tokens("1234567890") == 4  # digits go in groups of three
    assert count_tokens("internationalization") > count_tokens("cat")


def test_non_latin_scripts_are_not_under_counted():
    assert count_tokens("\u6771\u4eac\u306f\u65e5\u672c\u306e\u9996\u90fd\u3067\u3059") >= 10


def test_pieces_cover_the_whole_text_and_add_up_to_the_estimate():
    text = "Hello,  world!\n\n  Indented 42 items_here."
    pieces = piece_costs(text)
    assert "".join(text[s:e] for s, e, _ in pieces) == text
    counter = ApproxTokenCounter()
    assert abs(sum(c for _, _, c in pieces) - counter.estimate(text)) < 1e-9


def test_an_injected_counter_is_used():
    by_chars = CallableTokenCounter(len)
    assert count_tokens("abcdef", by_chars) == 6
    assert by_chars.count("") == 0
