"""Threshold expressions: parsing (with positions in errors), checks, evaluation."""
from __future__ import annotations

import pytest

from runtime.evals import Threshold, parse_threshold, parse_thresholds
from runtime.evals.errors import ThresholdInvalid, ThresholdMetricUnknown, ThresholdNeedsBaseline
from runtime.evals.thresholds import evaluate_threshold, evaluate_thresholds


@pytest.mark.parametrize(("text", "parsed"), [
    ("pass_rate(exact) >= 0.9", Threshold("pass_rate(exact) >= 0.9", "absolute", "exact", "pass_rate", ">=", 0.9)),
    ("p95(latency_ms)<=2000", Threshold("p95(latency_ms)<=2000", "absolute", "latency_ms", "p95", "<=", 2000.0)),
    ("  mean( cost_usd ) < 1e-2 ", Threshold("  mean( cost_usd ) < 1e-2 ", "absolute", "cost_usd", "mean", "<", 0.01)),
    ("sum(tokens) != 0", Threshold("sum(tokens) != 0", "absolute", "tokens", "sum", "!=", 0.0)),
    ("p50(judge:v2) == .5", Threshold("p50(judge:v2) == .5", "absolute", "judge:v2", "p50", "==", 0.5)),
    ("mean(a-b) > -1", Threshold("mean(a-b) > -1", "absolute", "a-b", "mean", ">", -1.0)),
    ("delta(mean(llm_judge)) >= -0.02",
     Threshold("delta(mean(llm_judge)) >= -0.02", "delta", "llm_judge", "mean", ">=", -0.02)),
    ("no_regression(llm_judge)", Threshold("no_regression(llm_judge)", "no_regression", "llm_judge")),
])
def test_parses_every_form(text, parsed):
    assert parse_threshold(text) == parsed


@pytest.mark.parametrize(("text", "position", "fragment"), [
    ("pass_rate(exact) = 0.9", 17, "expected a comparison operator"),
    ("median(exact) >= 1", 0, "unknown aggregate 'median'"),
    ("pass_rate(exact >= 0.9", 16, "expected ')'"),
    ("pass_rate(exact) >= high", 20, "expected a number"),
    ("pass_rate(exact) >= 0.9 and", 24, "expected the end of the expression"),
    ("delta(pass_rate(exact) >= 0", 23, "expected ')'"),
    ("no_regression(exact) >= 1", 21, "expected the end"),
    ("", 0, "expected an aggregate"),
    ("pass_rate() >= 1", 10, "expected a metric name"),
    ("__import__('os') >= 1", 0, "unknown aggregate '__import__'"),
])
def test_parse_errors_give_the_position(text, position, fragment):
    with pytest.raises(ThresholdInvalid) as err:
        parse_threshold(text)
    assert err.value.details["position"] == position
    assert fragment in err.value.message
    assert f"position {position}" in err.value.message


def test_thresholds_must_name_requested_metrics_and_relative_ones_need_a_baseline():
    with pytest.raises(ThresholdMetricUnknown) as err:
        parse_thresholds(["pass_rate(exact) >= 0.9", "mean(llm_judge) >= 0.8"], ["exact"], has_baseline=False)
    assert err.value.details == {"field": "thresholds[1]", "metric": "llm_judge"}
    assert "'llm_judge'" in err.value.message and "requested: exact" in err.value.message
    with pytest.raises(ThresholdNeedsBaseline) as err:
        parse_thresholds(["no_regression(exact)"], ["exact"], has_baseline=False)
    assert err.value.details["field"] == "thresholds[0]"
    with pytest.raises(ThresholdInvalid) as err:
        parse_thresholds(["pass_rate(exact) >= 0.9", "pass_rate(exact) =< 1"], ["exact"], has_baseline=False)
    assert err.value.details["field"] == "thresholds[1]" and err.value.details["position"] == 17
    assert len(parse_thresholds(["no_regression(exact)"], ["exact"], has_baseline=True)) == 1


SUMMARY = {"exact": {"pass_rate": 0.9, "mean": 0.9, "p50": 1.0, "p95": 1.0, "sum": 36.0},
           "latency_ms": {"pass_rate": None, "mean": 900.0, "p50": 850.0, "p95": 2100.0, "sum": 36000.0},
           "judge": {"mean": 0.1 + 0.2}}
COMPARISON = {"baseline_summary": {"exact": {"pass_rate": 0.95, "mean": 0.95}, "judge": {"mean": 0.31}},
              "metrics": {"exact": {"mean_delta": -0.05, "p_value": 0.012, "alpha": 0.05, "baseline_mean": 0.95,
                                    "significant_regression": True},
                          "judge": {"mean_delta": -0.01, "p_value": 0.6, "alpha": 0.05, "baseline_mean": 0.31,
                                    "significant_regression": False}}}


def check(text, comparison=None):
    return evaluate_threshold(parse_threshold(text), SUMMARY, comparison)


def test_absolute_thresholds():
    assert check("pass_rate(exact) >= 0.9") == {"expr": "pass_rate(exact) >= 0.9", "passed": True, "value": 0.9}
    failed = check("p95(latency_ms) <= 2000")
    assert (failed["passed"], failed["value"], failed["reason"]) == (False, 2100.0, "2100 is not <= 2000")
    assert check("mean(judge) == 0.3")["passed"] is True  # 0.30000000000000004
    assert check("sum(exact) > 36")["passed"] is False
    assert check("mean(latency_ms) != 900")["passed"] is False
    no_data = check("pass_rate(latency_ms) >= 0.5")
    assert (no_data["passed"], no_data["reason"]) == (False, "pass_rate(latency_ms) has no data")


def test_delta_thresholds_against_the_baseline():
    out = check("delta(pass_rate(exact)) >= -0.02", COMPARISON)
    assert (out["passed"], out["value"], out["baseline_value"]) == (False, -0.05, 0.95)
    out = check("delta(mean(judge)) >= -0.02", COMPARISON)
    assert (out["passed"], out["value"], out["baseline_value"]) == (True, -0.01, 0.31)
    assert check("delta(mean(judge)) >= -0.02")["reason"] == "needs a baseline, and this eval has none"


def test_no_regression():
    bad = check("no_regression(exact)", COMPARISON)
    assert (bad["passed"], bad["value"], bad["p_value"], bad["baseline_value"]) == (False, -0.05, 0.012, 0.95)
    assert "significant regression of exact" in bad["reason"]
    assert check("no_regression(judge)", COMPARISON)["passed"] is True


def test_evaluate_thresholds_keeps_the_order():
    out = evaluate_thresholds([parse_threshold("pass_rate(exact) >= 0.95"), parse_threshold("mean(exact) > 0")], SUMMARY)
    assert [(t["expr"], t["passed"]) for t in out] == [("pass_rate(exact) >= 0.95", False), ("mean(exact) > 0", True)]
