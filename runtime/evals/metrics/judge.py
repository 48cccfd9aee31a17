"""`llm_judge`: a judge model grades the output against a rubric.

Modes:
- `scale` (default): an integer score from `scale_min` to `scale_max` (1–5), normalised to
  [0, 1] as (score - min) / (max - min); passes at `value >= threshold` (default 0.75, i.e. 4/5).
- `pass_fail`: a verdict; value 1.0 (pass) or 0.0.
- `pairwise`: the output against the baseline eval's output for the same item. The judge is
  asked twice with the two answers swapped (A/B, then B/A) to cancel position bias; a side wins
  only when both orders agree, anything else is a tie. Value 1.0 (candidate wins), 0.5 (tie),
  0.0 (baseline wins); passes unless the baseline wins.
The judge's reasoning is kept in `details["reasoning"]` (pairwise: `details["verdicts"]`).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from runtime.evals.case import EvalCase, select_expected, select_output, text_of
from runtime.evals.config import ConfigProblem, MetricConfig
from runtime.evals.errors import MetricScoringFailed
from runtime.evals.judging import Judge, JudgeAnswer, add_usage, clip, reasoning_of
from runtime.evals.metrics import register
from runtime.evals.metrics.base import Metric, MetricResult, MetricServices
from runtime.evals.paths import MISSING

SYSTEM = ("You are a careful, strict evaluator of an AI system's answers. Judge only by the rubric. "
          "Reply with a single JSON object and nothing else.")


@dataclass(frozen=True, kw_only=True)
class LlmJudgeConfig(MetricConfig):
    rubric: str
    model: str  # the judge's model ref, e.g. "openai/gpt-4.1-mini", "local/default", "scripted/judge"
    mode: Literal["scale", "pass_fail", "pairwise"] = "scale"
    scale_min: int = 1
    scale_max: int = 5
    threshold: float = 0.75
    include_input: bool = True  # show the item's input to the judge
    include_expected: bool = True  # show the item's expected answer as a reference, when it has one

    def validate(self) -> None:
        if not self.rubric.strip():
            raise ConfigProblem("rubric", "must not be empty")
        if self.scale_max <= self.scale_min:
            raise ConfigProblem("scale_max", "must be greater than scale_min")
        if not 0.0 <= self.threshold <= 1.0:
            raise ConfigProblem("threshold", "must be between 0 and 1 (it applies to the normalised score)")


def _section(title: str, body: Any) -> str:
    return f"## {title}\n{clip(text_of(body))}\n"


@register
class LlmJudge(Metric):
    type = "llm_judge"
    Config = LlmJudgeConfig
    config: LlmJudgeConfig
    services_needed = ("judge_model",)

    def setup(self, services: MetricServices) -> None:
        assert services.judge_model is not None  # checked by build_metric
        self.judge = Judge(self.config.model, services.judge_model, field=self.field_prefix + "model",
                           metric_type=self.type, prices=services.prices)

    def score(self, case: EvalCase) -> MetricResult:
        output = select_output(case, self.config.path)
        if self.config.mode == "pairwise":
            return self._pairwise(case, output)
        answer = self.judge.ask(SYSTEM, self._prompt(case, {"RESPONSE": output}), self._schema())
        if self.config.mode == "pass_fail":
            return self._pass_fail(answer)
        return self._scale(answer)

    # --- prompts ------------------------------------------------------------------------
    def _context(self, case: EvalCase) -> str:
        parts = [_section("RUBRIC", self.config.rubric)]
        if self.config.include_input and case.input is not None:
            parts.append(_section("INPUT", case.input))
        expected = select_expected(case, self.config.expected_path)
        if self.config.include_expected and expected is not MISSING:
            parts.append(_section("REFERENCE ANSWER", expected))
        return "\n".join(parts)

    def _prompt(self, case: EvalCase, answers: dict[str, Any]) -> str:
        body = self._context(case) + "\n" + "\n".join(_section(title, value) for title, value in answers.items())
        return body + "\n" + self._instruction()

    def _instruction(self) -> str:
        c = self.config
        if c.mode == "pass_fail":
            return 'Answer {"reasoning": "<why, briefly>", "verdict": "pass" | "fail"}.'
        if c.mode == "pairwise":
            return ('Which response better satisfies the rubric? Answer '
                    '{"reasoning": "<why, briefly>", "winner": "A" | "B" | "tie"}.')
        return (f'Answer {{"reasoning": "<why, briefly>", "score": <integer from {c.scale_min} to {c.scale_max}, '
                f'{c.scale_max} = fully satisfies the rubric>}}.')

    def _schema(self) -> dict[str, Any]:
        c = self.config
        field: dict[str, Any] = {"pass_fail": {"verdict": {"enum": ["pass", "fail"]}},
                                 "pairwise": {"winner": {"enum": ["A", "B", "tie"]}}}.get(
            c.mode, {"score": {"type": "integer", "minimum": c.scale_min, "maximum": c.scale_max}})
        return {"type": "object", "properties": {"reasoning": {"type": "string"}, **field},
                "required": ["reasoning", *field], "additionalProperties": False}

    # --- verdicts -----------------------------------------------------------------------
    def _details(self, answer: JudgeAnswer) -> dict[str, Any]:
        return {"reasoning": reasoning_of(answer.data), "judge_model": self.judge.ref, "judge_usage": answer.usage}

    def _scale(self, answer: JudgeAnswer) -> MetricResult:
        c = self.config
        raw = answer.data.get("score")
        if isinstance(raw, str):
            try:
                raw = float(raw)
            except ValueError:
                pass
        if not isinstance(raw, (int, float)) or isinstance(raw, bool) or not c.scale_min <= raw <= c.scale_max:
            raise MetricScoringFailed(f"the judge's score {json.dumps(raw)} is not a number from {c.scale_min} "
                                      f"to {c.scale_max}", answer=clip(answer.text, 500))
        value = round((float(raw) - c.scale_min) / (c.scale_max - c.scale_min), 6)
        ok = value >= c.threshold
        details = {**self._details(answer), "score": raw}
        reason = None if ok else f"judge score {raw}/{c.scale_max}: {details['reasoning']}".strip()
        return MetricResult(value, ok, reason, details)

    def _pass_fail(self, answer: JudgeAnswer) -> MetricResult:
        raw = answer.data.get("verdict", answer.data.get("passed"))
        if isinstance(raw, str) and raw.strip().lower() in ("pass", "fail"):
            ok = raw.strip().lower() == "pass"
        elif isinstance(raw, bool):
            ok = raw
        else:
            raise MetricScoringFailed(f"the judge's verdict {json.dumps(raw)} is not \"pass\" or \"fail\"",
                                      answer=clip(answer.text, 500))
        details = self._details(answer)
        return MetricResult(1.0 if ok else 0.0, ok, None if ok else f"judge: fail: {details['reasoning']}", details)

    def _pairwise(self, case: EvalCase, output: Any) -> MetricResult:
        if case.baseline_output is None:
            raise MetricScoringFailed("pairwise llm_judge needs the baseline's output for this item: "
                                      "run the eval with a baseline")
        baseline = case.baseline_output
        first = self.judge.ask(SYSTEM, self._prompt(case, {"RESPONSE A": output, "RESPONSE B": baseline}),
                               self._schema())
        second = self.judge.ask(SYSTEM, self._prompt(case, {"RESPONSE A": baseline, "RESPONSE B": output}),
                                self._schema())
        # Translate each verdict to who won: the candidate or the baseline.
        won_first = {"A": "candidate", "B": "baseline"}.get(_winner(first), "tie")
        won_second = {"A": "baseline", "B": "candidate"}.get(_winner(second), "tie")
        outcome = won_first if won_first == won_second else "tie"
        value = {"candidate": 1.0, "tie": 0.5, "baseline": 0.0}[outcome]
        verdicts = [{"order": "candidate_first", "winner": _winner(first), "reasoning": reasoning_of(first.data)},
                    {"order": "baseline_first", "winner": _winner(second), "reasoning": reasoning_of(second.data)}]
        details = {"outcome": {"candidate": "win", "baseline": "loss", "tie": "tie"}[outcome],
                   "consistent": won_first == won_second, "verdicts": verdicts, "judge_model": self.judge.ref,
                   "judge_usage": add_usage(first.usage, second.usage)}
        ok = outcome != "baseline"
        return MetricResult(value, ok, None if ok else "the judge preferred the baseline's answer in both orders",
                            details)


def _winner(answer: JudgeAnswer) -> str:
    raw = answer.data.get("winner")
    text = raw.strip() if isinstance(raw, str) else ""
    if text.upper() in ("A", "B"):
        return text.upper()
    if text.lower() == "tie":
        return "tie"
    raise MetricScoringFailed(f"the judge's winner {json.dumps(raw)} is not \"A\", \"B\" or \"tie\"",
                              answer=clip(answer.text, 500))
