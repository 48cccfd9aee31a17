"""Aggregation: mean, pass rate, percentiles, sums, per-item repeats and confidence intervals."""
from __future__ import annotations

import pytest

from runtime.evals import MetricInfo
from runtime.evals.aggregate import summarise, summarise_metric
from runtime.evals.stats import bootstrap_mean_ci, percentile, wilson_interval
from tests.runtime.evals.factories import results

M = MetricInfo("m", "exact")


def test_items_weigh_equally_and_repeats_are_averaged_first():
    rs = results({"a": [(1.0, True)], "b": [(0.0, False)], "c": [(0.5, True)], "d": [(1.0, True), (0.0, False)]})
    s = summarise_metric(M, rs)
    assert (s["mean"], s["pass_rate"]) == (0.5, 0.625)
    assert (s["p50"], s["p95"], s["sum"]) == (0.5, 1.0, 2.5)
    assert (s["items"], s["count"], s["passed"], s["failed"], s["errors"]) == (4, 5, 3, 2, 0)


def test_percentiles_interpolate_linearly():
    assert percentile([100, 200, 300, 400, 500, 600, 700, 800, 900, 1000], 50) == 550
    assert percentile([100, 200, 300, 400, 500, 600, 700, 800, 900, 1000], 95) == pytest.approx(955)
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([7], 95) == 7
    assert percentile([], 50) is None


def test_values_and_verdicts_that_are_none_are_left_out():
    rs = results({"a": [(120.0, None)], "b": [(None, None)], "c": [(80.0, None)]})
    s = summarise_metric(M, rs)
    assert (s["mean"], s["pass_rate"], s["sum"], s["count"]) == (100.0, None, 200.0, 2)
    assert s["ci"]["pass_rate"] is None


def test_wilson_interval_of_a_pass_rate():
    low, high = wilson_interval(8, 10)
    assert (round(low, 4), round(high, 4)) == (0.4902, 0.9433)
    low, high = wilson_interval(10, 10)
    assert (round(low, 4), high) == (0.7225, 1.0)
    assert wilson_interval(0, 0) is None


def test_pass_rate_ci_uses_the_items_as_n():
    rs = results({f"i{n}": [(1.0, True)] * 3 for n in range(10)})  # 10 items x 3 repeats, all pass
    s = summarise_metric(M, rs)
    assert s["ci"]["pass_rate"] == [0.722467, 1.0]  # n = 10, not 30


def test_bootstrap_ci_is_seeded_and_brackets_the_mean():
    values = [[v] for v in [0.2, 0.4, 0.9, 0.5, 0.7, 0.1, 0.8, 0.6, 0.3, 1.0]]
    first = bootstrap_mean_ci(values, seed=7)
    assert first == bootstrap_mean_ci(values, seed=7)
    assert first != bootstrap_mean_ci(values, seed=8)
    low, high = first
    assert low < 0.55 < high
    assert 0.3 < low and high < 0.8
    assert bootstrap_mean_ci([[0.5]] * 20) == (0.5, 0.5)


def test_repeats_widen_the_bootstrap_interval():
    steady = [[0.5, 0.5, 0.5] for _ in range(20)]
    noisy = [[0.0, 0.5, 1.0] for _ in range(20)]
    assert bootstrap_mean_ci(steady) == (0.5, 0.5)
    low, high = bootstrap_mean_ci(noisy)
    assert low < 0.5 < high


def test_summary_keeps_the_requested_order_and_reports_the_ci():
    rs = results({"a": [(1.0, True)], "b": [(0.0, False)]}, metric_name="x")
    out = summarise([MetricInfo("x", "exact"), MetricInfo("y", "contains")], rs)
    assert list(out) == ["x", "y"]
    assert out["x"]["ci"]["level"] == 0.95 and out["x"]["ci"]["mean"] == [0.0, 1.0]
    assert out["y"]["mean"] is None and out["y"]["items"] == 2 and out["y"]["count"] == 0


def test_item_summaries_aggregate_repeats_per_item():
    from runtime.evals import ItemResult, MetricResult
    from runtime.evals.aggregate import item_summaries

    rs = [ItemResult("a", 0, {"m": MetricResult(1.0, True)}, tags=("smoke",)),
          ItemResult("a", 1, {"m": MetricResult(0.0, False)}, tags=("smoke",)),
          ItemResult("b", 0, {"m": MetricResult(None, False, "judge down", {"error": {"type": "model_error"}})}),
          ItemResult("c", 0, {"m": MetricResult(300.0, None)})]
    out = item_summaries([M], rs)
    assert out == [
        {"item_id": "a", "repeats": 2, "tags": ["smoke"],
         "metrics": {"m": {"value": 0.5, "pass_rate": 0.5, "passed": False, "errors": 0}}},
        {"item_id": "b", "repeats": 1, "tags": [],
         "metrics": {"m": {"value": None, "pass_rate": 0.0, "passed": False, "errors": 1}}},
        {"item_id": "c", "repeats": 1, "tags": [],
         "metrics": {"m": {"value": 300.0, "pass_rate": None, "passed": None, "errors": 0}}}]


def test_stored_results_reload_to_the_same_summary():
    from runtime.evals import ItemResult

    rs = results({"a": [(1.0, True), (0.5, True)], "b": [(0.0, False)]})
    stored = [r.to_dict() for r in rs]
    reloaded = [ItemResult.from_dict(d) for d in stored]
    assert summarise([M], reloaded) == summarise([M], rs)
    assert MetricInfo.for_spec({"type": "latency_ms", "name": "lat"}) == MetricInfo("lat", "latency_ms", False)
