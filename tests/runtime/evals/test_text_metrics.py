"""Text metrics on cases where they pass and where they fail, with exact values."""
from __future__ import annotations

import pytest

from runtime.evals import score_case
from runtime.evals.metrics import build_metrics
from tests.runtime.evals.factories import case, score


def test_exact_compares_the_output_text_with_the_expected_text():
    ok = score({"type": "exact"}, case({"text": "Paris"}, "Paris"))
    assert (ok.value, ok.passed, ok.reason) == (1.0, True, None)
    bad = score({"type": "exact"}, case({"text": "paris"}, "Paris"))
    assert (bad.value, bad.passed) == (0.0, False)
    assert bad.reason == "output 'paris' != expected 'Paris'"


def test_exact_trims_by_default_and_normalises_on_request():
    assert score({"type": "exact"}, case({"text": "  Paris\n"}, "Paris")).passed is True
    assert score({"type": "exact", "trim": False}, case({"text": "Paris\n"}, "Paris")).passed is False
    spec = {"type": "exact", "ignore_case": True, "collapse_whitespace": True, "strip_punctuation": True}
    assert score(spec, case({"text": "The  CAPITAL is\tParis!"}, "the capital is paris")).value == 1.0
    assert score(spec, case({"text": "The capital is Lyon."}, "the capital is paris")).value == 0.0


def test_exact_with_a_path_and_an_expected_path_on_objects():
    c = case({"city": "Paris", "country": "FR"}, {"answer": {"city": "Paris"}})
    assert score({"type": "exact", "path": "$.city", "expected_path": "$.answer.city"}, c).passed is True
    assert score({"type": "exact", "path": "$.country", "expected_path": "$.answer.city"}, c).passed is False


def test_exact_of_objects_compares_canonical_json():
    assert score({"type": "exact"}, case({"b": 1, "a": [1, 2]}, {"a": [1, 2], "b": 1})).passed is True
    assert score({"type": "exact", "value": "fixed"}, case({"text": "fixed"})).passed is True


def test_a_metric_without_an_expected_value_records_why_instead_of_crashing():
    (metric,) = build_metrics([{"type": "exact"}])
    result = score_case([metric], case({"text": "x"}, None))["exact"]
    assert (result.value, result.passed) == (None, False)
    assert result.details["error"]["type"] == "metric_scoring_failed"
    assert "no expected value" in result.reason


def test_contains_icontains_not_contains():
    c = case({"text": "The capital of France is Paris."})
    assert score({"type": "contains", "value": "Paris"}, c).value == 1.0
    miss = score({"type": "contains", "value": ["Paris", "Lyon"]}, c)
    assert (miss.value, miss.passed, miss.details["missing"]) == (0.0, False, ["Lyon"])
    assert miss.reason == "output lacks 'Lyon'"
    assert score({"type": "contains", "value": "paris"}, c).passed is False
    assert score({"type": "icontains", "value": "PARIS"}, c).passed is True
    assert score({"type": "icontains", "value": "berlin"}, c).passed is False
    assert score({"type": "not_contains", "value": ["Berlin", "Rome"]}, c).passed is True
    hit = score({"type": "not_contains", "value": ["Berlin", "France"]}, c)
    assert (hit.value, hit.details["found"], hit.reason) == (0.0, ["France"], "output contains 'France'")


def test_contains_uses_the_expected_value_when_no_value_is_configured():
    assert score({"type": "contains"}, case({"text": "It is 42."}, "42")).passed is True
    assert score({"type": "contains"}, case({"text": "It is 41."}, "42")).passed is False


def test_starts_with():
    c = case({"text": "  Yes, it is."})
    assert score({"type": "starts_with", "value": "Yes"}, c).passed is True
    assert score({"type": "starts_with", "value": ["No", "Yes"]}, c).passed is True
    assert score({"type": "starts_with", "value": "yes"}, c).passed is False
    assert score({"type": "starts_with", "value": "yes", "ignore_case": True}, c).passed is True
    assert score({"type": "starts_with", "value": "Yes", "trim": False}, c).passed is False


def test_regex_search_fullmatch_and_case():
    c = case({"text": "Order #A-1234 shipped"})
    found = score({"type": "regex", "pattern": r"#[A-Z]-\d{4}"}, c)
    assert (found.value, found.passed, found.details["match"]) == (1.0, True, "#A-1234")
    assert score({"type": "regex", "pattern": r"#[A-Z]-\d{4}", "full_match": True}, c).passed is False
    assert score({"type": "regex", "pattern": r"order #\w-\d+ shipped", "full_match": True,
                  "ignore_case": True}, c).passed is True
    miss = score({"type": "regex", "pattern": r"\d{5}"}, c)
    assert (miss.value, miss.passed) == (0.0, False)
    assert miss.reason == r"output 'Order #A-1234 shipped' does not match /\d{5}/"


def test_regex_runs_on_re2_in_linear_time():
    # A catastrophic-backtracking pattern for `re`: RE2 answers at once.
    result = score({"type": "regex", "pattern": r"^(a+)+$"}, case({"text": "a" * 5000 + "b"}))
    assert result.passed is False


@pytest.mark.parametrize(("output", "expected", "spec", "value"), [
    ("kitten", "sitting", {}, 1 - 3 / 7),
    ("Paris", "Paris", {}, 1.0),
    ("", "", {}, 1.0),
    ("abc", "", {}, 0.0),
    ("HELLO", "hello", {"ignore_case": True}, 1.0),
    ("flaw", "lawn", {}, 0.5),
])
def test_levenshtein_ratio_values(output, expected, spec, value):
    result = score({"type": "levenshtein", **spec}, case({"text": output}, expected))
    assert result.value == pytest.approx(value, abs=1e-12)


def test_levenshtein_passes_at_its_threshold():
    c = case({"text": "kitten"}, "sitting")  # ratio 4/7 = 0.571...
    low = score({"type": "levenshtein", "threshold": 0.5}, c)
    assert (low.passed, low.details["distance"]) == (True, 3)
    high = score({"type": "levenshtein"}, c)
    assert high.passed is False
    assert high.reason == "similarity 0.571 < threshold 0.8"
