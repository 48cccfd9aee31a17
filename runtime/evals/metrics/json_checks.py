"""JSON checks: `json_valid`, `json_schema`, `json_path_equals`.

The output (what `path` selects) is parsed when it is text — a string, or an agent's
`{"text": ...}` — and used as is when it already is a JSON object/array/value.
`allow_fenced: true` also accepts text wrapped in a Markdown code fence (```json ... ```).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from runtime.evals.case import EvalCase, select_expected, select_output
from runtime.evals.config import ConfigProblem, MetricConfig
from runtime.evals.errors import MetricScoringFailed, PathInvalid
from runtime.evals.metrics import register
from runtime.evals.metrics.base import Metric, MetricResult, verdict
from runtime.evals.paths import MISSING, parse_json_path
from runtime.jsonschema_validation import error_messages, schema_problems, validator_for

_FENCE_RE = re.compile(r"^\s*```[A-Za-z0-9_-]*\s*\n(.*?)\n?```\s*$", re.DOTALL)


class NotJson(ValueError):
    pass


def parsed_output(case: EvalCase, path: str | None, *, allow_fenced: bool) -> Any:
    """The JSON value of the output; raise `NotJson` with the parser's message."""
    value = select_output(case, path)
    if value is MISSING:
        raise NotJson(f"the output has nothing at {path}")
    if isinstance(value, dict) and set(value) == {"text"} and isinstance(value["text"], str):
        value = value["text"]
    if not isinstance(value, str):
        return value
    text = value
    if allow_fenced:
        fenced = _FENCE_RE.match(text)
        if fenced:
            text = fenced.group(1)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotJson(f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc


@dataclass(frozen=True, kw_only=True)
class JsonValidConfig(MetricConfig):
    allow_fenced: bool = False


@register
class JsonValid(Metric):
    type = "json_valid"
    Config = JsonValidConfig
    config: JsonValidConfig

    def score(self, case: EvalCase) -> MetricResult:
        try:
            parsed_output(case, self.config.path, allow_fenced=self.config.allow_fenced)
        except NotJson as exc:
            return verdict(False, str(exc))
        return verdict(True, "")


@dataclass(frozen=True, kw_only=True)
class JsonSchemaConfig(MetricConfig):
    schema: dict[str, Any]
    allow_fenced: bool = False

    def validate(self) -> None:
        problems = schema_problems(self.schema)
        if problems:
            raise ConfigProblem("schema", f"is not a valid JSON Schema: {problems[0]}")


@register
class JsonSchema(Metric):
    type = "json_schema"
    Config = JsonSchemaConfig
    config: JsonSchemaConfig

    def score(self, case: EvalCase) -> MetricResult:
        try:
            value = parsed_output(case, self.config.path, allow_fenced=self.config.allow_fenced)
        except NotJson as exc:
            return verdict(False, str(exc))
        errors = error_messages(validator_for(self.config.schema), value, limit=10)
        return verdict(not errors, "does not match the schema: " + "; ".join(errors), errors=errors)


@dataclass(frozen=True, kw_only=True)
class JsonPathEqualsConfig(MetricConfig):
    json_path: str  # where to look in the parsed output, e.g. `$.city` or `$.items[0].id`
    value: Any = None  # the value it must equal; default: the item's expected (`expected_path`)
    allow_fenced: bool = False

    def validate(self) -> None:
        try:
            parse_json_path(self.json_path)
        except PathInvalid as exc:
            raise ConfigProblem("json_path", exc.message) from exc


@register
class JsonPathEquals(Metric):
    type = "json_path_equals"
    Config = JsonPathEqualsConfig
    config: JsonPathEqualsConfig

    def score(self, case: EvalCase) -> MetricResult:
        want = self.config.value if self.config.value is not None else select_expected(case, self.config.expected_path)
        if want is MISSING:
            raise MetricScoringFailed("json_path_equals: no `value` in the config and the item has no expected value")
        try:
            document = parsed_output(case, self.config.path, allow_fenced=self.config.allow_fenced)
        except NotJson as exc:
            return verdict(False, str(exc))
        got = parse_json_path(self.config.json_path).select(document)
        if got is MISSING:
            return verdict(False, f"the output has nothing at {self.config.json_path}")
        return verdict(json_equal(got, want), f"{self.config.json_path} is {_short(got)}, expected {_short(want)}",
                       actual=got)


def json_equal(a: Any, b: Any) -> bool:
    """JSON equality: 1 == 1.0, but true != 1 and "1" != 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 80 else text[:79] + "…"
