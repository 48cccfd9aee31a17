"""`code`: a user function scores the case, run in the code sandbox (no network, no files,
standard library only, CPU/memory/time limits: `runtime/tools/sandbox.py`).

`code` is the body of `def main(input):`, where `input` is
`{input, output, expected, metadata, latency_ms, tokens: {input, output}, cost_usd,
tool_calls: [{name, arguments}], steps, citations: [{document_id, document_name}]}`.
It returns a number (the value; passes at `value >= threshold`), a boolean (1.0/0.0), or an
object `{score, passed?, reason?}`.
"""
from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from typing import Any

from runtime.evals.case import EvalCase, select_output
from runtime.evals.config import ConfigProblem, MetricConfig
from runtime.evals.errors import MetricScoringFailed
from runtime.evals.metrics import register
from runtime.evals.metrics.base import CodeSandbox, Metric, MetricResult, MetricServices
from runtime.evals.paths import MISSING

MAX_CODE_CHARS = 64 * 1024


@dataclass(frozen=True, kw_only=True)
class CodeConfig(MetricConfig):
    code: str
    threshold: float = 0.5

    def validate(self) -> None:
        if not self.code.strip():
            raise ConfigProblem("code", "must not be empty")
        if len(self.code) > MAX_CODE_CHARS:
            raise ConfigProblem("code", f"is longer than {MAX_CODE_CHARS} characters")
        try:
            ast.parse(self.code)  # as the sandbox runner parses it: the body of main(input)
        except SyntaxError as exc:
            raise ConfigProblem("code", f"has a syntax error on line {exc.lineno}: {exc.msg}") from exc


def sandbox_input(case: EvalCase, path: str | None) -> dict[str, Any]:
    """What the user function sees (plain JSON)."""
    output = select_output(case, path)
    return {
        "input": case.input, "output": None if output is MISSING else output,
        "expected": case.expected, "metadata": case.metadata, "latency_ms": case.latency_ms,
        "tokens": {"input": case.input_tokens, "output": case.output_tokens}, "cost_usd": case.cost_usd,
        "tool_calls": [{"name": call.name, "arguments": call.arguments} for call in case.tool_calls],
        "steps": case.steps,
        "citations": [{"document_id": c.document_id, "document_name": c.document_name} for c in case.citations],
    }


@register
class Code(Metric):
    type = "code"
    Config = CodeConfig
    config: CodeConfig
    services_needed = ("sandbox",)

    def setup(self, services: MetricServices) -> None:
        assert services.sandbox is not None  # checked by build_metric
        self.sandbox: CodeSandbox = services.sandbox

    def score(self, case: EvalCase) -> MetricResult:
        result = self.sandbox.run(self.config.code, sandbox_input(case, self.config.path)).result
        return self._interpret(result)

    def _interpret(self, result: Any) -> MetricResult:
        threshold = self.config.threshold
        if isinstance(result, bool):
            return MetricResult(1.0 if result else 0.0, result, None if result else "the scoring function returned false")
        if isinstance(result, (int, float)) and math.isfinite(result):
            ok = result >= threshold
            return MetricResult(float(result), ok, None if ok else f"score {result:g} < threshold {threshold:g}")
        if isinstance(result, dict):
            score = result.get("score")
            if isinstance(score, bool) or not isinstance(score, (int, float)) or not math.isfinite(score):
                raise MetricScoringFailed("the scoring function's object needs a numeric `score`")
            passed = result.get("passed")
            if passed is not None and not isinstance(passed, bool):
                raise MetricScoringFailed("the scoring function's `passed` must be true or false")
            ok = passed if passed is not None else score >= threshold
            reason = result.get("reason")
            extra = {k: v for k, v in result.items() if k not in ("score", "passed", "reason")}
            return MetricResult(float(score), ok, str(reason) if reason is not None else
                                (None if ok else f"score {score:g} < threshold {threshold:g}"), extra)
        raise MetricScoringFailed(f"the scoring function returned {type(result).__name__}; return a number, "
                                  "a boolean or {score, passed?, reason?}")
