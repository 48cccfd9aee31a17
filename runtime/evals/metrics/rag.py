"""RAG metrics: `context_hit` (the expected document was retrieved) and `faithfulness` (a judge
decides whether the output is supported by the retrieved context)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from runtime.evals.case import EvalCase, select_expected, select_output, text_of
from runtime.evals.config import ConfigProblem, MetricConfig
from runtime.evals.errors import MetricScoringFailed
from runtime.evals.judging import Judge, clip, reasoning_of
from runtime.evals.metrics import register
from runtime.evals.metrics.base import Metric, MetricResult, MetricServices
from runtime.evals.paths import MISSING


@dataclass(frozen=True, kw_only=True)
class ContextHitConfig(MetricConfig):
    documents: list[str] | None = None  # ids or names; default: the item's expected value
    match: Literal["any", "all"] = "any"
    top_k: int | None = None  # only the first k citations count

    def validate(self) -> None:
        if self.top_k is not None and self.top_k < 1:
            raise ConfigProblem("top_k", "must be at least 1")


def _documents(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in values):
        raise MetricScoringFailed("context_hit: the expected value must be a document id or name, or a list of them")
    return [str(v) for v in values]


@register
class ContextHit(Metric):
    """Value: the fraction of expected documents found among the citations (by id or name);
    passes when any (`match: any`) or every (`match: all`) expected document was retrieved."""

    type = "context_hit"
    Config = ContextHitConfig
    config: ContextHitConfig

    def score(self, case: EvalCase) -> MetricResult:
        c = self.config
        expected = c.documents if c.documents is not None else select_expected(case, c.expected_path)
        if expected is MISSING:
            raise MetricScoringFailed("context_hit: no `documents` in the config and the item has no expected value")
        wanted = _documents(expected)
        citations = case.citations[: c.top_k] if c.top_k else case.citations
        seen = {key for cite in citations for key in (cite.document_id, cite.document_name) if key is not None}
        found = [doc for doc in wanted if doc in seen]
        value = round(len(found) / len(wanted), 6)
        ok = bool(found) if c.match == "any" else len(found) == len(wanted)
        missing = [doc for doc in wanted if doc not in seen]
        reason = None if ok else f"not retrieved: {', '.join(missing)}"
        return MetricResult(value, ok, reason, {"found": found, "missing": missing, "retrieved": sorted(seen)})


FAITHFULNESS_SYSTEM = ("You check whether an AI system's answer is supported by the context it retrieved. "
                       "A claim is supported only if the context states or directly implies it. "
                       "Reply with a single JSON object and nothing else.")
FAITHFULNESS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"reasoning": {"type": "string"}, "score": {"type": "number", "minimum": 0, "maximum": 1},
                   "unsupported_claims": {"type": "array", "items": {"type": "string"}}},
    "required": ["reasoning", "score"],
}


@dataclass(frozen=True, kw_only=True)
class FaithfulnessConfig(MetricConfig):
    model: str  # the judge's model ref
    threshold: float = 0.8

    def validate(self) -> None:
        if not 0.0 <= self.threshold <= 1.0:
            raise ConfigProblem("threshold", "must be between 0 and 1")


@register
class Faithfulness(Metric):
    """Value: the judge's fraction of the answer's claims supported by the retrieved chunks' text;
    passes at `value >= threshold`. A run that retrieved no text fails (nothing supports it)."""

    type = "faithfulness"
    Config = FaithfulnessConfig
    config: FaithfulnessConfig
    services_needed = ("judge_model",)

    def setup(self, services: MetricServices) -> None:
        assert services.judge_model is not None  # checked by build_metric
        self.judge = Judge(self.config.model, services.judge_model, field=self.field_prefix + "model",
                           metric_type=self.type, prices=services.prices)

    def score(self, case: EvalCase) -> MetricResult:
        chunks = [cite for cite in case.citations if cite.text]
        if not chunks:
            return MetricResult(None, False, "the run retrieved no context to support its answer")
        context = "\n\n".join(f"[{i}] ({cite.document_name or cite.document_id or 'unknown'})\n{clip(cite.text or '')}"
                              for i, cite in enumerate(chunks, 1))
        prompt = (f"## QUESTION\n{clip(text_of(case.input))}\n\n## CONTEXT\n{context}\n\n"
                  f"## ANSWER\n{clip(text_of(select_output(case, self.config.path)))}\n\n"
                  'List the answer\'s claims that the context does not support, then answer {"reasoning": '
                  '"<why, briefly>", "unsupported_claims": ["..."], "score": <fraction of the answer\'s claims '
                  'that the context supports, from 0 to 1>}.')
        answer = self.judge.ask(FAITHFULNESS_SYSTEM, prompt, FAITHFULNESS_SCHEMA)
        raw = answer.data.get("score")
        if not isinstance(raw, (int, float)) or isinstance(raw, bool) or not 0 <= raw <= 1:
            raise MetricScoringFailed(f"the judge's score {json.dumps(raw)} is not a number from 0 to 1",
                                      answer=clip(answer.text, 500))
        value = float(raw)
        unsupported = answer.data.get("unsupported_claims")
        details = {"reasoning": reasoning_of(answer.data), "judge_model": self.judge.ref, "judge_usage": answer.usage,
                   "unsupported_claims": unsupported if isinstance(unsupported, list) else []}
        ok = value >= self.config.threshold
        return MetricResult(value, ok, None if ok else f"faithfulness {value:.2f} < {self.config.threshold}: "
                            f"{details['reasoning']}", details)
