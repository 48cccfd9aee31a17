"""Asking a judge model and reading its JSON verdict (shared by `llm_judge` and `faithfulness`).

The judge is any `ChatModel` (the project's providers, `local/...`, `scripted/...`), called once
per question with temperature 0 and a JSON Schema as `response_format` (providers that support
structured output enforce it; for the others the answer is parsed leniently: bare JSON, JSON in a
code fence, or the outermost `{...}` in the text).
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from runtime.errors import PlatformError
from runtime.evals.errors import MetricConfigInvalid, MetricScoringFailed
from runtime.models.base import ChatModel, Message, ModelRequest
from runtime.models.pricing import PriceTable

_FENCE_RE = re.compile(r"```(?:json)?\s*(\{.*?\})\s*```", re.DOTALL)
MAX_SHOWN_CHARS = 20_000  # of each text put in front of the judge


@dataclass
class JudgeAnswer:
    data: dict[str, Any]
    text: str
    usage: dict[str, Any]  # input_tokens, output_tokens, cost_usd (the platform's price table)


class Judge:
    """A judge model resolved once from its ref (a bad ref is a config error of the metric)."""

    def __init__(self, ref: str, resolve: Callable[[str], ChatModel], *, field: str, metric_type: str,
                 prices: PriceTable | None = None) -> None:
        provider, _, self.model_name = ref.partition("/")
        if not provider or not self.model_name:
            raise MetricConfigInvalid(f"{metric_type} metric: 'model' {ref!r} is not a model ref "
                                      "('<provider>/<model>', e.g. 'openai/gpt-4.1-mini')", field=field)
        try:
            self.model: ChatModel = resolve(ref)
        except PlatformError as exc:
            raise MetricConfigInvalid(f"{metric_type} metric: 'model' {ref!r}: {exc.message}", field=field) from exc
        self.ref = ref
        self.prices = prices  # None: the judge's cost is not known (reported as 0)

    def ask(self, system: str, user: str, schema: dict[str, Any]) -> JudgeAnswer:
        """One question; returns the parsed JSON object. Model errors propagate (typed)."""
        request = ModelRequest(model=self.model_name, messages=[Message("system", system), Message("user", user)],
                               response_format=schema, temperature=0.0, stream=False)
        response = self.model.complete(request)
        cost = self.prices.cost(self.ref, response.usage) if self.prices is not None else 0.0
        usage = {"input_tokens": response.usage.input_tokens, "output_tokens": response.usage.output_tokens,
                 "cost_usd": round(cost, 9)}
        return JudgeAnswer(parse_judge_json(response.text), response.text, usage)


def add_usage(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    """Two judge calls' usage summed (pairwise asks twice)."""
    out = {key: first.get(key, 0) + second.get(key, 0) for key in ("input_tokens", "output_tokens")}
    out["cost_usd"] = round(first.get("cost_usd", 0.0) + second.get("cost_usd", 0.0), 9)
    return out


def parse_judge_json(text: str) -> dict[str, Any]:
    """The JSON object in a judge's answer; `MetricScoringFailed` when there is none."""
    candidates = [text.strip()]
    fenced = _FENCE_RE.search(text)
    if fenced:
        candidates.append(fenced.group(1))
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append(text[start:end + 1])
    for candidate in candidates:
        try:
            value = json.loads(candidate)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            return value
    raise MetricScoringFailed(f"the judge's answer is not a JSON object: {clip(text, 200)!r}")


def clip(text: str, limit: int = MAX_SHOWN_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def reasoning_of(data: dict[str, Any]) -> str:
    value = data.get("reasoning")
    return value if isinstance(value, str) else ""
