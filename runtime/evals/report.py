"""The eval report: `{summary, thresholds, passed, totals, comparison?}` (shared/API.md).

`totals` holds what judging cost: the judge models' tokens and USD over every metric result
(`llm_judge`, `faithfulness`: `details.judge_usage`, costed with the platform's price table).

`passed` is true when every threshold holds and no metric regressed significantly against the
baseline (what `run_eval` turns into its exit code).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from runtime.evals import stats
from runtime.evals.aggregate import summarise
from runtime.evals.compare import DEFAULT_ALPHA, compare
from runtime.evals.results import ItemResult, MetricInfo
from runtime.evals.thresholds import Threshold, evaluate_thresholds


def build_report(metrics: Sequence[MetricInfo], results: Sequence[ItemResult], *,
                 thresholds: Sequence[Threshold] = (), baseline: Sequence[ItemResult] | None = None,
                 baseline_label: str | None = None, alpha: float = DEFAULT_ALPHA, level: float = stats.DEFAULT_LEVEL,
                 resamples: int = stats.DEFAULT_RESAMPLES, seed: int = stats.DEFAULT_SEED) -> dict[str, Any]:
    """Aggregate, compare (when a baseline is given) and check thresholds. JSON-serialisable."""
    summary = summarise(metrics, results, level=level, resamples=resamples, seed=seed)
    comparison = None
    if baseline is not None:
        comparison = compare(metrics, results, baseline, alpha=alpha, level=level, resamples=resamples, seed=seed,
                             baseline_label=baseline_label)
    checked = evaluate_thresholds(thresholds, summary, comparison)
    regressions = comparison["regressions"] if comparison else []
    report: dict[str, Any] = {
        "summary": summary,
        "thresholds": checked,
        "passed": all(t["passed"] for t in checked) and not regressions,
        "items": len({r.item_id for r in results}),
        "repeats": max((r.repeat for r in results), default=-1) + 1,
        "totals": judge_totals(results),
    }
    if comparison is not None:
        report["comparison"] = comparison
    return report


def judge_totals(results: Sequence[ItemResult]) -> dict[str, Any]:
    """The judges' tokens and cost summed over every result (all metrics, items and repeats)."""
    input_tokens = output_tokens = calls = 0
    cost = 0.0
    for result in results:
        for score in result.scores.values():
            usage = score.details.get("judge_usage")
            if not isinstance(usage, dict):
                continue
            calls += 1
            input_tokens += int(usage.get("input_tokens") or 0)
            output_tokens += int(usage.get("output_tokens") or 0)
            cost += float(usage.get("cost_usd") or 0.0)
    return {"judge_scored": calls, "judge_input_tokens": input_tokens, "judge_output_tokens": output_tokens,
            "judge_cost_usd": round(cost, 9)}
