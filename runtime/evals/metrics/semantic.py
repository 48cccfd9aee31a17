"""`semantic_similarity`: cosine similarity of the output's and the expected text's embeddings.

The embedder is the project's embedding model (`model` names another ref, e.g.
`local/all-minilm-l6-v2`). The value is the cosine in [-1, 1]; passes at `value >= threshold`.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from runtime.errors import PlatformError
from runtime.evals.case import EvalCase, select_expected, select_output, text_of
from runtime.evals.config import ConfigProblem, MetricConfig
from runtime.evals.errors import MetricConfigInvalid, MetricScoringFailed
from runtime.evals.metrics import register
from runtime.evals.metrics.base import Metric, MetricResult, MetricServices
from runtime.evals.paths import MISSING


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine similarity; 0.0 when either vector is all zeros."""
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return 0.0 if norm == 0 else max(-1.0, min(1.0, dot / norm))


@dataclass(frozen=True, kw_only=True)
class SemanticSimilarityConfig(MetricConfig):
    value: Any = None
    threshold: float = 0.8
    model: str | None = None  # an embedding model ref; default: the project's

    def validate(self) -> None:
        if not -1.0 <= self.threshold <= 1.0:
            raise ConfigProblem("threshold", "must be between -1 and 1")


@register
class SemanticSimilarity(Metric):
    type = "semantic_similarity"
    Config = SemanticSimilarityConfig
    config: SemanticSimilarityConfig
    services_needed = ("embedder",)

    def setup(self, services: MetricServices) -> None:
        assert services.embedder is not None  # checked by build_metric (services_needed)
        try:
            self._embedder = services.embedder(self.config.model)
        except PlatformError as exc:
            raise MetricConfigInvalid(f"semantic_similarity metric: 'model' {exc.message}",
                                      field=self.field_prefix + "model") from exc

    def score(self, case: EvalCase) -> MetricResult:
        c = self.config
        expected = c.value if c.value is not None else select_expected(case, c.expected_path)
        if expected is MISSING:
            raise MetricScoringFailed("semantic_similarity: no `value` in the config and the item has no expected value")
        got, want = text_of(select_output(case, c.path)), text_of(expected)
        vectors = self._embedder.embed_documents([got, want])
        similarity = round(cosine(vectors[0], vectors[1]), 6)
        ok = similarity >= c.threshold
        return MetricResult(similarity, ok, None if ok else f"similarity {similarity:.3f} < threshold {c.threshold}",
                            {"model": self._embedder.name})
