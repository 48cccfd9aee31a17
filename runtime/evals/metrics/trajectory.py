"""Trajectory metrics for agents: `tool_called`, `tool_sequence`, `tool_args_match`, `step_count`.

They read the run's tool calls (names and arguments, in the order made) and its step count,
not the output.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Literal

from runtime.evals.case import EvalCase, select_expected
from runtime.evals.config import ConfigProblem, MetricConfig
from runtime.evals.errors import MetricScoringFailed
from runtime.evals.metrics import register
from runtime.evals.metrics.base import Metric, MetricResult, verdict
from runtime.evals.metrics.json_checks import json_equal
from runtime.evals.paths import MISSING


@dataclass(frozen=True, kw_only=True)
class ToolCalledConfig(MetricConfig):
    tool: str
    min_count: int = 1
    max_count: int | None = None

    def validate(self) -> None:
        if self.min_count < 0:
            raise ConfigProblem("min_count", "must not be negative")
        if self.max_count is not None and self.max_count < self.min_count:
            raise ConfigProblem("max_count", "must be at least min_count")


@register
class ToolCalled(Metric):
    """1.0 when `tool` was called between `min_count` and `max_count` times."""

    type = "tool_called"
    Config = ToolCalledConfig
    config: ToolCalledConfig

    def score(self, case: EvalCase) -> MetricResult:
        c = self.config
        count = sum(1 for call in case.tool_calls if call.name == c.tool)
        ok = count >= c.min_count and (c.max_count is None or count <= c.max_count)
        bounds = f"at least {c.min_count}" + ("" if c.max_count is None else f" and at most {c.max_count}")
        return verdict(ok, f"{c.tool!r} called {count} time(s), expected {bounds}", count=count)


@dataclass(frozen=True, kw_only=True)
class ToolSequenceConfig(MetricConfig):
    tools: list[str] | None = None  # default: the item's expected value (a list of tool names)
    mode: Literal["strict", "unordered", "subset"] = "strict"


def _tool_names(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise MetricScoringFailed("tool_sequence: the expected value must be a list of tool names")
    names = []
    for entry in value:
        name = entry.get("name") if isinstance(entry, dict) else entry
        if not isinstance(name, str):
            raise MetricScoringFailed("tool_sequence: the expected value must be a list of tool names")
        names.append(name)
    return names


@register
class ToolSequence(Metric):
    """`strict`: exactly these calls in this order; `unordered`: exactly these calls (as a
    multiset) in any order; `subset`: at least these calls (as a multiset), others allowed."""

    type = "tool_sequence"
    Config = ToolSequenceConfig
    config: ToolSequenceConfig

    def score(self, case: EvalCase) -> MetricResult:
        c = self.config
        expected = c.tools if c.tools is not None else select_expected(case, c.expected_path)
        if expected is MISSING:
            raise MetricScoringFailed("tool_sequence: no `tools` in the config and the item has no expected value")
        want = _tool_names(expected)
        got = [call.name for call in case.tool_calls]
        if c.mode == "strict":
            ok = got == want
        elif c.mode == "unordered":
            ok = Counter(got) == Counter(want)
        else:
            ok = not (Counter(want) - Counter(got))
        return verdict(ok, f"calls {got} do not match {want} ({c.mode})", actual=got)


@dataclass(frozen=True, kw_only=True)
class ToolArgsMatchConfig(MetricConfig):
    tool: str
    args: dict[str, Any] | None = None  # default: the item's expected value (an object)
    match: Literal["subset", "exact"] = "subset"


def args_match(actual: Any, expected: Any, *, exact: bool) -> bool:
    """`subset`: every expected key is present with a matching value (recursively in objects;
    lists and scalars compare as JSON values); `exact`: JSON equality."""
    if exact or not isinstance(expected, dict):
        return json_equal(actual, expected)
    if not isinstance(actual, dict):
        return False
    return all(key in actual and args_match(actual[key], value, exact=False) for key, value in expected.items())


@register
class ToolArgsMatch(Metric):
    """1.0 when at least one call of `tool` had arguments matching `args`."""

    type = "tool_args_match"
    Config = ToolArgsMatchConfig
    config: ToolArgsMatchConfig

    def score(self, case: EvalCase) -> MetricResult:
        c = self.config
        expected = c.args if c.args is not None else select_expected(case, c.expected_path)
        if expected is MISSING or not isinstance(expected, dict):
            raise MetricScoringFailed("tool_args_match: no `args` in the config and the item's expected value "
                                      "is not an object")
        calls = [call.arguments for call in case.tool_calls if call.name == c.tool]
        ok = any(args_match(arguments, expected, exact=c.match == "exact") for arguments in calls)
        if not calls:
            return verdict(False, f"{c.tool!r} was never called", calls=[])
        return verdict(ok, f"no call of {c.tool!r} had arguments matching {expected} ({c.match})", calls=calls)


@dataclass(frozen=True, kw_only=True)
class StepCountConfig(MetricConfig):
    max: int | None = None
    min: int | None = None

    def validate(self) -> None:
        if self.min is not None and self.max is not None and self.max < self.min:
            raise ConfigProblem("max", "must be at least min")


@register
class StepCount(Metric):
    """The run's steps (model turns of an agent, executed nodes of a workflow); passes within
    [min, max] when either is set, else only reports. Fewer is better in comparisons."""

    type = "step_count"
    Config = StepCountConfig
    config: StepCountConfig
    higher_is_better = False

    def score(self, case: EvalCase) -> MetricResult:
        c = self.config
        if case.steps is None:
            return MetricResult(None, None, "the run reported no step count")
        steps = case.steps
        if c.min is None and c.max is None:
            return MetricResult(float(steps), None)
        too_few = c.min is not None and steps < c.min
        too_many = c.max is not None and steps > c.max
        ok = not (too_few or too_many)
        reason = None if ok else (f"{steps} steps < min {c.min}" if too_few else f"{steps} steps > max {c.max}")
        return MetricResult(float(steps), ok, reason)
