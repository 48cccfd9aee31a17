"""The eval report: `{summary, thresholds, passed, comparison?}` (shared/API.md).

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
    }
    if comparison is not None:
        report["comparison"] = comparison
    return report
