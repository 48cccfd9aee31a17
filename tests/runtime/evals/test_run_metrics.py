"""Value metrics of the run (`latency_ms`, `tokens`, `cost_usd`) and trajectory metrics."""
from __future__ import annotations

from runtime.evals import ToolCallRecord
from tests.runtime.evals.factories import case, metric, score

CALLS = (ToolCallRecord("search", {"q": "weather Paris", "limit": 5}),
         ToolCallRecord("fetch", {"url": "https://example.org/paris", "options": {"timeout": 3, "retries": 1}}),
         ToolCallRecord("search", {"q": "weather Lyon"}))


def test_latency_reports_a_value_and_passes_under_max():
    c = case({"text": "x"}, latency_ms=420.5)
    only = score({"type": "latency_ms"}, c)
    assert (only.value, only.passed) == (420.5, None)
    assert score({"type": "latency_ms", "max": 500}, c).passed is True
    slow = score({"type": "latency_ms", "max": 400}, c)
    assert (slow.value, slow.passed, slow.reason) == (420.5, False, "latency_ms 420.5 ms > max 400 ms")
    assert score({"type": "latency_ms"}, case({"text": "x"})).value is None


def test_tokens_total_input_output():
    c = case({"text": "x"}, input_tokens=120, output_tokens=30)
    assert score({"type": "tokens"}, c).value == 150.0
    assert score({"type": "tokens", "count": "output"}, c).value == 30.0
    assert score({"type": "tokens", "max": 100, "count": "input"}, c).passed is False
    assert score({"type": "tokens", "max": 150}, c).passed is True


def test_cost_usd():
    c = case({"text": "x"}, cost_usd=0.0125)
    assert score({"type": "cost_usd", "max": 0.01}, c).passed is False
    assert score({"type": "cost_usd", "max": 0.02}, c).value == 0.0125


def test_value_metrics_read_lower_as_better():
    assert metric({"type": "latency_ms"}).higher_is_better is False
    assert metric({"type": "step_count"}).higher_is_better is False
    assert metric({"type": "exact"}).higher_is_better is True


def test_tool_called_counts_calls():
    c = case({"text": "x"}, tool_calls=CALLS)
    twice = score({"type": "tool_called", "tool": "search"}, c)
    assert (twice.value, twice.passed, twice.details["count"]) == (1.0, True, 2)
    assert score({"type": "tool_called", "tool": "search", "min_count": 3}, c).passed is False
    capped = score({"type": "tool_called", "tool": "search", "max_count": 1}, c)
    assert capped.reason == "'search' called 2 time(s), expected at least 1 and at most 1"
    assert score({"type": "tool_called", "tool": "delete"}, c).value == 0.0
    assert score({"type": "tool_called", "tool": "delete", "min_count": 0, "max_count": 0}, c).passed is True


def test_tool_sequence_modes():
    c = case({"text": "x"}, tool_calls=CALLS)
    in_order = ["search", "fetch", "search"]
    assert score({"type": "tool_sequence", "tools": in_order}, c).passed is True
    assert score({"type": "tool_sequence", "tools": ["search", "search", "fetch"]}, c).passed is False
    assert score({"type": "tool_sequence", "tools": ["search", "search", "fetch"], "mode": "unordered"}, c).passed is True
    assert score({"type": "tool_sequence", "tools": ["search", "fetch"], "mode": "unordered"}, c).passed is False
    assert score({"type": "tool_sequence", "tools": ["fetch", "search"], "mode": "subset"}, c).passed is True
    subset_miss = score({"type": "tool_sequence", "tools": ["fetch", "fetch"], "mode": "subset"}, c)
    assert (subset_miss.value, subset_miss.details["actual"]) == (0.0, in_order)


def test_tool_sequence_from_the_expected_value():
    c = case({"text": "x"}, {"tools": [{"name": "search"}, {"name": "fetch"}, {"name": "search"}]}, tool_calls=CALLS)
    assert score({"type": "tool_sequence", "expected_path": "$.tools"}, c).passed is True
    assert score({"type": "tool_sequence"}, case({"text": "x"}, ["fetch"], tool_calls=CALLS)).passed is False


def test_tool_args_match_subset_and_exact():
    c = case({"text": "x"}, tool_calls=CALLS)
    assert score({"type": "tool_args_match", "tool": "search", "args": {"q": "weather Lyon"}}, c).passed is True
    assert score({"type": "tool_args_match", "tool": "fetch", "args": {"options": {"timeout": 3}}}, c).passed is True
    wrong = score({"type": "tool_args_match", "tool": "fetch", "args": {"options": {"timeout": 5}}}, c)
    assert (wrong.value, wrong.passed) == (0.0, False)
    assert wrong.details["calls"] == [CALLS[1].arguments]
    assert score({"type": "tool_args_match", "tool": "search", "args": {"q": "weather Lyon"}, "match": "exact"},
                 c).passed is True
    assert score({"type": "tool_args_match", "tool": "search", "args": {"q": "weather Paris"}, "match": "exact"},
                 c).passed is False  # that call also had `limit`
    never = score({"type": "tool_args_match", "tool": "delete", "args": {}}, c)
    assert never.reason == "'delete' was never called"


def test_tool_args_match_from_the_expected_value():
    c = case({"text": "x"}, {"args": {"q": "weather Paris"}}, tool_calls=CALLS)
    assert score({"type": "tool_args_match", "tool": "search", "expected_path": "$.args"}, c).passed is True


def test_step_count():
    c = case({"text": "x"}, steps=4)
    assert (score({"type": "step_count"}, c).value, score({"type": "step_count"}, c).passed) == (4.0, None)
    assert score({"type": "step_count", "max": 4}, c).passed is True
    over = score({"type": "step_count", "max": 3}, c)
    assert (over.passed, over.reason) == (False, "4 steps > max 3")
    assert score({"type": "step_count", "min": 5}, c).reason == "4 steps < min 5"
