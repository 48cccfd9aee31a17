"""A candidate eval against a baseline eval on the same dataset version.

Items are paired by id; each side's repeats are averaged first. Per metric: the per-item deltas
(candidate - baseline), wins/losses/ties read in the metric's direction (lower is better for
`latency_ms`, `tokens`, `cost_usd`, `step_count`), the mean delta with its bootstrap interval,
and two paired tests of "no difference": a paired bootstrap of the mean difference and an exact
sign test on wins vs losses. A difference is significant when BOTH p-values are below `alpha`
(the reported `p_value` is the larger): the bootstrap alone is over-confident on a handful of
items, the sign test alone ignores how large the changes are. `significant_regression` = a
significant difference in the worse direction.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from runtime.evals import stats
from runtime.evals.aggregate import summarise
from runtime.evals.results import ItemResult, MetricInfo, series_by_item

DEFAULT_ALPHA = 0.05
TIE_TOLERANCE = 1e-9


def _outcome(delta: float, higher_is_better: bool) -> str:
    gain = delta if higher_is_better else -delta
    if gain > TIE_TOLERANCE:
        return "win"
    if gain < -TIE_TOLERANCE:
        return "loss"
    return "tie"


def compare_metric(metric: MetricInfo, candidate: Sequence[ItemResult], baseline: Sequence[ItemResult], *,
                   alpha: float = DEFAULT_ALPHA, resamples: int = stats.DEFAULT_RESAMPLES,
                   seed: int = stats.DEFAULT_SEED) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """(metric comparison, {item id: that item's delta record})."""
    cand = series_by_item(list(candidate), metric.name)
    base = series_by_item(list(baseline), metric.name)
    per_item: dict[str, dict[str, Any]] = {}
    deltas: list[float] = []
    base_values: list[float] = []
    cand_values: list[float] = []
    counts = {"win": 0, "loss": 0, "tie": 0}
    for item_id, c in cand.items():
        b = base.get(item_id)
        if b is None or c.value is None or b.value is None:
            continue
        delta = c.value - b.value
        outcome = _outcome(delta, metric.higher_is_better)
        counts[outcome] += 1
        deltas.append(delta)
        base_values.append(b.value)
        cand_values.append(c.value)
        per_item[item_id] = {"baseline": round(b.value, 6), "candidate": round(c.value, 6),
                             "delta": round(delta, 6), "outcome": outcome}
    mean_delta = stats.mean(deltas)
    p_bootstrap = stats.paired_bootstrap_p(deltas, resamples=resamples, seed=seed)
    p_sign = stats.sign_test_p(counts["win"], counts["loss"])
    p_value = max(p_bootstrap, p_sign)
    significant = bool(deltas) and p_value < alpha
    worse = mean_delta is not None and (mean_delta < 0 if metric.higher_is_better else mean_delta > 0)
    better = mean_delta is not None and (mean_delta > 0 if metric.higher_is_better else mean_delta < 0)
    ci = stats.bootstrap_difference_ci(deltas, resamples=resamples, seed=seed)
    result = {
        "type": metric.type, "higher_is_better": metric.higher_is_better, "paired_items": len(deltas),
        "baseline_mean": _r(stats.mean(base_values)), "candidate_mean": _r(stats.mean(cand_values)),
        "mean_delta": _r(mean_delta), "delta_ci": None if ci is None else [_r(ci[0]), _r(ci[1])],
        "wins": counts["win"], "losses": counts["loss"], "ties": counts["tie"],
        "p_value": _r(p_value), "p_value_bootstrap": _r(p_bootstrap), "p_value_sign_test": _r(p_sign),
        "alpha": alpha,
        "significant_regression": significant and worse,
        "significant_improvement": significant and better,
    }
    return result, per_item


def compare(metrics: Sequence[MetricInfo], candidate: Sequence[ItemResult], baseline: Sequence[ItemResult], *,
            alpha: float = DEFAULT_ALPHA, level: float = stats.DEFAULT_LEVEL, resamples: int = stats.DEFAULT_RESAMPLES,
            seed: int = stats.DEFAULT_SEED, baseline_label: str | None = None) -> dict[str, Any]:
    """The `comparison` part of a report: per-metric tests, per-item deltas, the baseline's own
    summary (for `delta(...)` thresholds) and which items only one side has."""
    metric_results: dict[str, Any] = {}
    items: dict[str, dict[str, Any]] = {}
    for metric in metrics:
        metric_results[metric.name], per_item = compare_metric(metric, candidate, baseline, alpha=alpha,
                                                               resamples=resamples, seed=seed)
        for item_id, record in per_item.items():
            items.setdefault(item_id, {})[metric.name] = record
    cand_ids = {r.item_id for r in candidate}
    base_ids = {r.item_id for r in baseline}
    return {
        "baseline": baseline_label,
        "alpha": alpha,
        "test": "paired bootstrap of the mean difference and exact sign test; significant when both p < alpha",
        "metrics": metric_results,
        "items": [{"item_id": item_id, "metrics": records} for item_id, records in items.items()],
        "only_in_candidate": sorted(cand_ids - base_ids),
        "only_in_baseline": sorted(base_ids - cand_ids),
        "baseline_summary": summarise(metrics, baseline, level=level, resamples=resamples, seed=seed),
        "regressions": [name for name, m in metric_results.items() if m["significant_regression"]],
    }


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 6)
