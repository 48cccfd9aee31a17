"""Paired comparison against a baseline: deltas, wins/losses/ties and the significance test."""
from __future__ import annotations

import random

from runtime.evals import ItemResult, MetricInfo, MetricResult
from runtime.evals.compare import compare, compare_metric
from runtime.evals.stats import paired_bootstrap_p, sign_test_p

EXACT = MetricInfo("exact", "exact")
LATENCY = MetricInfo("latency_ms", "latency_ms", higher_is_better=False)
JUDGE = MetricInfo("llm_judge", "llm_judge")


def run(values: dict[str, float], metric: str = "exact", passes: bool = True, repeat: int = 0) -> list[ItemResult]:
    return [ItemResult(item_id, repeat, {metric: MetricResult(v, (v >= 0.5) if passes else None)})
            for item_id, v in values.items()]


def test_a_planted_regression_is_detected():
    baseline = run({f"item-{i}": 1.0 for i in range(40)})
    candidate = run({f"item-{i}": 0.0 if i % 10 < 3 else 1.0 for i in range(40)})  # worse on 12 of 40
    result, per_item = compare_metric(EXACT, candidate, baseline)
    assert (result["wins"], result["losses"], result["ties"], result["paired_items"]) == (0, 12, 28, 40)
    assert (result["baseline_mean"], result["candidate_mean"], result["mean_delta"]) == (1.0, 0.7, -0.3)
    assert result["p_value_sign_test"] == round(2 * 0.5 ** 12, 6)
    assert result["p_value_bootstrap"] < 0.001
    assert result["p_value"] < 0.05
    assert result["significant_regression"] is True and result["significant_improvement"] is False
    assert per_item["item-0"] == {"baseline": 1.0, "candidate": 0.0, "delta": -1.0, "outcome": "loss"}
    assert per_item["item-5"]["outcome"] == "tie"
    low, high = result["delta_ci"]
    assert low < -0.3 < high < 0


def test_two_identical_targets_are_not_flagged():
    rng = random.Random(3)
    values = {f"item-{i}": rng.random() for i in range(40)}
    result, _ = compare_metric(JUDGE, run(values, "llm_judge"), run(values, "llm_judge"))
    assert (result["wins"], result["losses"], result["ties"]) == (0, 0, 40)
    assert (result["p_value"], result["mean_delta"]) == (1.0, 0.0)
    assert result["significant_regression"] is False and result["significant_improvement"] is False


def _noisy_pair(seed: int) -> tuple[list[ItemResult], list[ItemResult]]:
    rng = random.Random(seed)
    truth = {f"item-{i}": rng.gauss(600, 150) for i in range(40)}
    baseline = run({k: v + rng.gauss(0, 40) for k, v in truth.items()}, "latency_ms", passes=False)
    candidate = run({k: v + rng.gauss(0, 40) for k, v in truth.items()}, "latency_ms", passes=False)
    return candidate, baseline


def test_two_targets_differing_by_noise_are_not_flagged():
    candidate, baseline = _noisy_pair(seed=11)
    result, _ = compare_metric(LATENCY, candidate, baseline)
    assert result["wins"] + result["losses"] == 40
    assert result["p_value"] > 0.05
    assert result["significant_regression"] is False


def test_noise_is_flagged_at_most_at_about_the_alpha_rate():
    flagged = sum(compare_metric(LATENCY, *_noisy_pair(seed), resamples=500)[0]["significant_regression"]
                  for seed in range(40))
    assert flagged <= 3  # two-sided test, one side counted: ~2.5 % expected, 40 trials


def test_lower_is_better_metrics_read_a_rise_as_a_regression():
    baseline = run({f"i{i}": 500.0 + i for i in range(30)}, "latency_ms", passes=False)
    slower = run({f"i{i}": 560.0 + i for i in range(30)}, "latency_ms", passes=False)
    faster = run({f"i{i}": 440.0 + i for i in range(30)}, "latency_ms", passes=False)
    worse, _ = compare_metric(LATENCY, slower, baseline)
    assert (worse["losses"], worse["mean_delta"], worse["significant_regression"]) == (30, 60.0, True)
    better, _ = compare_metric(LATENCY, faster, baseline)
    assert (better["wins"], better["significant_regression"], better["significant_improvement"]) == (30, False, True)


def test_a_handful_of_items_is_never_significant():
    baseline = run({"a": 1.0, "b": 1.0, "c": 1.0, "d": 1.0})
    candidate = run({"a": 0.0, "b": 0.0, "c": 0.0, "d": 0.0})
    result, _ = compare_metric(EXACT, candidate, baseline)
    assert result["p_value_sign_test"] == 0.125  # 4 losses of 4
    assert result["significant_regression"] is False


def test_repeats_are_averaged_per_item_before_pairing():
    baseline = run({"a": 1.0}, repeat=0) + run({"a": 0.0}, repeat=1)
    candidate = run({"a": 1.0}, repeat=0) + run({"a": 1.0}, repeat=1)
    _, per_item = compare_metric(EXACT, candidate, baseline)
    assert per_item["a"] == {"baseline": 0.5, "candidate": 1.0, "delta": 0.5, "outcome": "win"}


def test_compare_reports_unpaired_items_the_baseline_summary_and_regressions():
    baseline = run({"a": 1.0, "b": 1.0, "old": 1.0})
    candidate = run({"a": 1.0, "b": 0.0, "new": 0.0})
    out = compare([EXACT], candidate, baseline, baseline_label="ev_1")
    assert (out["only_in_candidate"], out["only_in_baseline"]) == (["new"], ["old"])
    assert out["baseline_summary"]["exact"]["mean"] == 1.0
    assert out["metrics"]["exact"]["paired_items"] == 2
    assert [i["item_id"] for i in out["items"]] == ["a", "b"]
    assert out["regressions"] == [] and out["baseline"] == "ev_1"


def test_stats_building_blocks():
    assert sign_test_p(0, 0) == 1.0
    assert sign_test_p(5, 5) == 1.0
    assert round(sign_test_p(1, 9), 6) == round(2 * 11 / 1024, 6)
    assert paired_bootstrap_p([]) == 1.0
    assert paired_bootstrap_p([0.0] * 10) == 1.0
    assert paired_bootstrap_p([0.1, -0.1] * 10) == 1.0  # mean exactly zero
