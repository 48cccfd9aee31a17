"""`human`: the run's human feedback as a metric.

Each feedback entry counts once: thumbs up = 1.0, down = 0.0; a `score` is normalised to [0, 1]
as (score - score_min) / (score_max - score_min) (default scale 1–5). When one entry has both,
the score wins. The value is the mean over the run's entries; passes at `value >= threshold`.
A run without feedback has no value yet (`value` and `passed` None: not counted).
"""
from __future__ import annotations

from dataclasses import dataclass

from runtime.evals.case import EvalCase, Feedback
from runtime.evals.config import ConfigProblem, MetricConfig
from runtime.evals.errors import MetricScoringFailed
from runtime.evals.metrics import register
from runtime.evals.metrics.base import Metric, MetricResult

THUMBS: dict[str | bool, float] = {"up": 1.0, "down": 0.0, True: 1.0, False: 0.0}


@dataclass(frozen=True, kw_only=True)
class HumanConfig(MetricConfig):
    score_min: float = 1.0
    score_max: float = 5.0
    threshold: float = 0.5

    def validate(self) -> None:
        if self.score_max <= self.score_min:
            raise ConfigProblem("score_max", "must be greater than score_min")
        if not 0.0 <= self.threshold <= 1.0:
            raise ConfigProblem("threshold", "must be between 0 and 1")


@register
class Human(Metric):
    type = "human"
    Config = HumanConfig
    config: HumanConfig

    def _value(self, entry: Feedback) -> float | None:
        c = self.config
        if entry.score is not None:
            if not c.score_min <= entry.score <= c.score_max:
                raise MetricScoringFailed(f"feedback score {entry.score:g} is outside {c.score_min:g}–{c.score_max:g}")
            return (entry.score - c.score_min) / (c.score_max - c.score_min)
        if entry.thumbs is not None:
            key = entry.thumbs.lower() if isinstance(entry.thumbs, str) else entry.thumbs
            if key not in THUMBS:
                raise MetricScoringFailed(f"feedback thumbs {entry.thumbs!r} is not 'up' or 'down'")
            return THUMBS[key]
        return None  # a comment only

    def score(self, case: EvalCase) -> MetricResult:
        values = [v for v in (self._value(entry) for entry in case.feedback) if v is not None]
        comments = [entry.comment for entry in case.feedback if entry.comment]
        if not values:
            return MetricResult(None, None, "no human feedback on this run yet", {"comments": comments})
        value = round(sum(values) / len(values), 6)
        ok = value >= self.config.threshold
        return MetricResult(value, ok, None if ok else f"human rating {value:.2f} < {self.config.threshold}",
                            {"ratings": len(values), "comments": comments})
