"""Value metrics of the run itself: `latency_ms`, `tokens`, `cost_usd`.

The value is the run's measurement; with `max` the case passes at `value <= max`, without it
`passed` is None (the metric only reports). Lower is better in comparisons.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from runtime.evals.case import EvalCase
from runtime.evals.config import ConfigProblem, MetricConfig
from runtime.evals.metrics import register
from runtime.evals.metrics.base import Metric, MetricResult


@dataclass(frozen=True, kw_only=True)
class MaxConfig(MetricConfig):
    max: float | None = None

    def validate(self) -> None:
        if self.max is not None and self.max < 0:
            raise ConfigProblem("max", "must not be negative")


@dataclass(frozen=True, kw_only=True)
class TokensConfig(MaxConfig):
    count: Literal["total", "input", "output"] = "total"


class _ValueMetric(Metric):
    Config = MaxConfig
    config: MaxConfig
    higher_is_better = False
    unit = ""

    def measure(self, case: EvalCase) -> float | None:
        raise NotImplementedError

    def score(self, case: EvalCase) -> MetricResult:
        value = self.measure(case)
        if value is None:
            return MetricResult(None, None, f"the run reported no {self.type}")
        limit = self.config.max
        if limit is None:
            return MetricResult(value, None)
        ok = value <= limit
        return MetricResult(value, ok, None if ok else f"{self.type} {value:g}{self.unit} > max {limit:g}{self.unit}")


@register
class LatencyMs(_ValueMetric):
    type = "latency_ms"
    unit = " ms"

    def measure(self, case: EvalCase) -> float | None:
        return None if case.latency_ms is None else float(case.latency_ms)


@register
class Tokens(_ValueMetric):
    type = "tokens"
    Config = TokensConfig
    config: TokensConfig

    def measure(self, case: EvalCase) -> float | None:
        which = {"total": case.total_tokens, "input": case.input_tokens, "output": case.output_tokens}[self.config.count]
        return None if which is None else float(which)


@register
class CostUsd(_ValueMetric):
    type = "cost_usd"
    unit = " USD"

    def measure(self, case: EvalCase) -> float | None:
        return None if case.cost_usd is None else float(case.cost_usd)
