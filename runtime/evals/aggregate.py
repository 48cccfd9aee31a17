"""Per-metric summaries of an eval: mean, pass rate, p50/p95, sum, confidence intervals.

Items weigh equally: each item's repeats are averaged first (`ItemSeries`), then
- `mean` = mean of the per-item mean values; `pass_rate` = mean of the per-item pass fractions;
- `p50` / `p95` = percentiles (linear interpolation) of every value, repeats included, so
  latency percentiles describe single runs; `sum` = total of every value (tokens, cost);
- `ci.mean`: two-stage percentile bootstrap (items, then repeats within an item), seeded, so the
  same results always give the same interval; `ci.pass_rate`: Wilson score interval with n =
  the number of items (repeats of one item are not independent evidence).
Values that are None (not measurable) and verdicts that are None (no pass criterion) are left
out of their statistic; a statistic with no data is None.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from runtime.evals import stats
from runtime.evals.results import ItemResult, MetricInfo, series_by_item


def _round(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else round(value, digits)


def summarise_metric(metric: MetricInfo, results: Sequence[ItemResult], *, level: float = stats.DEFAULT_LEVEL,
                     resamples: int = stats.DEFAULT_RESAMPLES, seed: int = stats.DEFAULT_SEED) -> dict[str, Any]:
    """The summary of one metric (see the module docstring)."""
    series = list(series_by_item(list(results), metric.name).values())
    item_values = [s.value for s in series if s.value is not None]
    item_passes = [s.pass_fraction for s in series if s.pass_fraction is not None]
    every_value = [v for s in series for v in s.values]
    mean_ci = stats.bootstrap_mean_ci([s.values for s in series], level=level, resamples=resamples, seed=seed)
    pass_ci = stats.wilson_interval(sum(item_passes), len(item_passes), level=level)
    return {
        "type": metric.type,
        "mean": _round(stats.mean(item_values)),
        "pass_rate": _round(stats.mean(item_passes)),
        "p50": _round(stats.percentile(every_value, 50)),
        "p95": _round(stats.percentile(every_value, 95)),
        "sum": _round(sum(every_value) if every_value else None, 9),
        "ci": {"level": level,
               "mean": None if mean_ci is None else [_round(mean_ci[0]), _round(mean_ci[1])],
               "pass_rate": None if pass_ci is None else [_round(pass_ci[0]), _round(pass_ci[1])]},
        "items": len(series),
        "count": len(every_value),
        "passed": sum(1 for s in series for p in s.passes if p),
        "failed": sum(1 for s in series for p in s.passes if not p),
        "errors": sum(s.errors for s in series),
    }


def summarise(metrics: Sequence[MetricInfo], results: Sequence[ItemResult], *, level: float = stats.DEFAULT_LEVEL,
              resamples: int = stats.DEFAULT_RESAMPLES, seed: int = stats.DEFAULT_SEED) -> dict[str, dict[str, Any]]:
    """`{metric name: summary}` in the order the metrics were requested."""
    return {m.name: summarise_metric(m, results, level=level, resamples=resamples, seed=seed) for m in metrics}


def item_summaries(metrics: Sequence[MetricInfo], results: Sequence[ItemResult]) -> list[dict[str, Any]]:
    """Per-item aggregation over repeats, for the per-item table: `[{item_id, repeats, tags,
    metrics: {name: {value, pass_rate, passed, errors}}}]` in first-seen item order. `value` is
    the mean over repeats, `pass_rate` the fraction of repeats that passed, `passed` true only
    when every repeat with a verdict passed (None without verdicts)."""
    series = {m.name: series_by_item(list(results), m.name) for m in metrics}
    repeats: dict[str, int] = {}
    tags: dict[str, list[str]] = {}
    for result in results:
        repeats[result.item_id] = repeats.get(result.item_id, 0) + 1
        known = tags.setdefault(result.item_id, [])
        known.extend(t for t in result.tags if t not in known)
    out = []
    for item_id in repeats:
        per_metric = {}
        for m in metrics:
            s = series[m.name].get(item_id)
            if s is None:
                continue
            per_metric[m.name] = {"value": _round(s.value), "pass_rate": _round(s.pass_fraction),
                                  "passed": all(s.passes) if s.passes else None, "errors": s.errors}
        out.append({"item_id": item_id, "repeats": repeats[item_id], "tags": tags[item_id], "metrics": per_metric})
    return out
