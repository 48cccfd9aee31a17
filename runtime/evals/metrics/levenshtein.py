"""`levenshtein`: similarity ratio of the output text to the expected text.

ratio = 1 - distance / max(len(a), len(b)), where distance is the Levenshtein edit distance
(insertions, deletions and substitutions of one character each cost 1; computed by
`rapidfuzz`, in C, so long outputs are cheap), over Unicode code points
after the same normalisation options as `exact`. Two empty texts have ratio 1.0. Passes at
`ratio >= threshold` (default 0.8).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rapidfuzz.distance import Levenshtein as edit_distance

from runtime.evals.case import EvalCase, select_expected, select_output, text_of
from runtime.evals.config import ConfigProblem, MetricConfig
from runtime.evals.errors import MetricScoringFailed
from runtime.evals.metrics import register
from runtime.evals.metrics.base import Metric, MetricResult
from runtime.evals.paths import MISSING
from runtime.evals.text_normalise import normalise_text


def levenshtein_ratio(a: str, b: str) -> float:
    """1 - distance / max(len(a), len(b)); 1.0 for two empty texts."""
    longest = max(len(a), len(b))
    return 1.0 if longest == 0 else 1.0 - edit_distance.distance(a, b) / longest


@dataclass(frozen=True, kw_only=True)
class LevenshteinConfig(MetricConfig):
    value: Any = None
    threshold: float = 0.8
    ignore_case: bool = False
    collapse_whitespace: bool = False
    strip_punctuation: bool = False
    trim: bool = True

    def validate(self) -> None:
        if not 0.0 <= self.threshold <= 1.0:
            raise ConfigProblem("threshold", "must be between 0 and 1")


@register
class Levenshtein(Metric):
    type = "levenshtein"
    Config = LevenshteinConfig
    config: LevenshteinConfig

    def score(self, case: EvalCase) -> MetricResult:
        c = self.config
        expected = c.value if c.value is not None else select_expected(case, c.expected_path)
        if expected is MISSING:
            raise MetricScoringFailed("levenshtein: no `value` in the config and the item has no expected value")
        options = {"ignore_case": c.ignore_case, "collapse_whitespace": c.collapse_whitespace,
                   "strip_punctuation": c.strip_punctuation, "trim": c.trim}
        got = normalise_text(text_of(select_output(case, c.path)), **options)
        want = normalise_text(text_of(expected), **options)
        distance = edit_distance.distance(got, want)
        ratio = levenshtein_ratio(got, want)
        ok = ratio >= c.threshold
        return MetricResult(ratio, ok, None if ok else f"similarity {ratio:.3f} < threshold {c.threshold}",
                            {"distance": distance})
