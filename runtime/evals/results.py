"""What an eval produced, as plain data: one `ItemResult` per (item, repeat), and the
`MetricInfo` that reports need about each metric (kept apart from the metric instances so stored
results can be re-aggregated without rebuilding judges or sandboxes)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from runtime.evals.metrics.base import Metric, MetricResult


@dataclass(frozen=True)
class MetricInfo:
    name: str
    type: str
    higher_is_better: bool = True

    @classmethod
    def of(cls, metric: Metric) -> MetricInfo:
        return cls(metric.name, metric.type, metric.higher_is_better)

    @classmethod
    def for_spec(cls, spec: dict[str, Any]) -> MetricInfo:
        """From a stored metric spec `{type, name?}` (the type must be registered)."""
        from runtime.evals.errors import MetricUnknown
        from runtime.evals.metrics import metric_class

        klass = metric_class(spec.get("type"))
        if klass is None:
            raise MetricUnknown(f"unknown metric type {spec.get('type')!r}", field="type")
        return cls(str(spec.get("name", klass.type)), klass.type, klass.higher_is_better)


@dataclass
class ItemResult:
    item_id: str
    repeat: int
    scores: dict[str, MetricResult]
    output: Any = None
    tags: tuple[str, ...] = ()
    run_id: str | None = None
    error: dict[str, Any] | None = None  # the run itself failed (its metrics then record why)

    def to_dict(self) -> dict[str, Any]:
        return {"item_id": self.item_id, "repeat": self.repeat, "run_id": self.run_id, "output": self.output,
                "tags": list(self.tags), "error": self.error,
                "scores": {name: result.to_dict() for name, result in self.scores.items()}}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ItemResult:
        return cls(item_id=str(data["item_id"]), repeat=int(data.get("repeat", 0)),
                   scores={name: MetricResult.from_dict(r) for name, r in (data.get("scores") or {}).items()},
                   output=data.get("output"), tags=tuple(data.get("tags") or ()), run_id=data.get("run_id"),
                   error=data.get("error"))


@dataclass
class ItemSeries:
    """One metric on one item over its repeats."""

    item_id: str
    values: list[float] = field(default_factory=list)
    passes: list[bool] = field(default_factory=list)
    errors: int = 0

    @property
    def value(self) -> float | None:
        return sum(self.values) / len(self.values) if self.values else None

    @property
    def pass_fraction(self) -> float | None:
        return sum(self.passes) / len(self.passes) if self.passes else None


def series_by_item(results: list[ItemResult] | tuple[ItemResult, ...], metric: str) -> dict[str, ItemSeries]:
    """Per-item aggregation over repeats, in first-seen item order."""
    series: dict[str, ItemSeries] = {}
    by_item: dict[str, list[ItemResult]] = defaultdict(list)
    for result in results:
        by_item[result.item_id].append(result)
    for item_id, item_results in by_item.items():
        s = ItemSeries(item_id)
        for result in sorted(item_results, key=lambda r: r.repeat):
            score = result.scores.get(metric)
            if score is None:
                continue
            if score.value is not None:
                s.values.append(score.value)
            if score.passed is not None:
                s.passes.append(score.passed)
            if score.errored:
                s.errors += 1
        series[item_id] = s
    return series
