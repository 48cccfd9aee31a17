"""Small factories for eval engine tests: cases, results, and metric services on real parts
(the `scripted` model provider through the model router, the bubblewrap sandbox)."""
from __future__ import annotations

from typing import Any

from runtime.evals import EvalCase, ItemResult, MetricResult, MetricServices, build_metric
from runtime.evals.metrics.base import Metric
from runtime.models.router import ModelRouter


def case(output: Any = None, expected: Any = None, **fields: Any) -> EvalCase:
    fields.setdefault("item_id", "item-1")
    return EvalCase(output=output, expected=expected, **fields)


def judge_services(*scripts: tuple[str, list[dict[str, Any]]], **extra: Any) -> MetricServices:
    """Services whose judge models are scripted: `judge_services(("judge", [turns...]))` makes
    `scripted/judge` answer those turns in order (one per judge call)."""
    router = ModelRouter({"scripted": dict(scripts)})
    return MetricServices(judge_model=lambda ref: router.resolve(ref)[0], **extra)


def metric(spec: dict[str, Any], services: MetricServices | None = None) -> Metric:
    return build_metric(spec, services)


def score(spec: dict[str, Any], c: EvalCase, services: MetricServices | None = None) -> MetricResult:
    return build_metric(spec, services).score(c)


def results(values: dict[str, list[tuple[float | None, bool | None]]], metric_name: str = "m") -> list[ItemResult]:
    """`{item_id: [(value, passed) per repeat]}` -> ItemResults for one metric."""
    out = []
    for item_id, repeats in values.items():
        for repeat, (value, passed) in enumerate(repeats):
            out.append(ItemResult(item_id, repeat, {metric_name: MetricResult(value, passed)}))
    return out
