"""Threshold expressions: a tiny grammar, parsed by hand (no `eval`).

    threshold  := AGG "(" METRIC ")" OP NUMBER
                | "delta" "(" AGG "(" METRIC ")" ")" OP NUMBER
                | "no_regression" "(" METRIC ")"
    AGG        := pass_rate | mean | p50 | p95 | sum
    OP         := >= | <= | > | < | == | !=
    METRIC     := a metric name (letters, digits, _ . : -; starts with a letter or _)
    NUMBER     := -?digits[.digits][e[+-]digits]

Spaces are allowed between tokens. `delta(AGG(m))` is the candidate's AGG minus the
baseline's; `no_regression(m)` holds unless the comparison flags a significant regression of m.
Both need a baseline. Errors are `ThresholdInvalid` with the 0-based `position`.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from runtime.evals.errors import ThresholdInvalid, ThresholdMetricUnknown, ThresholdNeedsBaseline

AGGREGATES = ("pass_rate", "mean", "p50", "p95", "sum")
OPERATORS = (">=", "<=", "==", "!=", ">", "<")  # two-character ones first
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.:\-]*")
_NUMBER_RE = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_EPSILON = 1e-12  # float noise in aggregates (e.g. 0.1 + 0.2) must not flip a comparison


@dataclass(frozen=True)
class Threshold:
    source: str
    kind: Literal["absolute", "delta", "no_regression"]
    metric: str
    aggregate: str | None = None
    op: str | None = None
    number: float | None = None

    @property
    def needs_baseline(self) -> bool:
        return self.kind != "absolute"


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def fail(self, expected: str) -> ThresholdInvalid:
        found = repr(self.text[self.pos:self.pos + 12]) if self.pos < len(self.text) else "the end"
        return ThresholdInvalid(f"expected {expected} at position {self.pos}, found {found}: {self.text!r}",
                                position=self.pos, expression=self.text)

    def name(self, what: str) -> tuple[str, int]:
        self.skip()
        match = _NAME_RE.match(self.text, self.pos)
        if match is None:
            raise self.fail(what)
        start, self.pos = self.pos, match.end()
        return match.group(0), start

    def char(self, ch: str) -> None:
        self.skip()
        if not self.text.startswith(ch, self.pos):
            raise self.fail(repr(ch))
        self.pos += 1

    def operator(self) -> str:
        self.skip()
        for op in OPERATORS:
            if self.text.startswith(op, self.pos):
                self.pos += len(op)
                return op
        raise self.fail("a comparison operator (>= <= > < == !=)")

    def number(self) -> float:
        self.skip()
        match = _NUMBER_RE.match(self.text, self.pos)
        if match is None:
            raise self.fail("a number")
        self.pos = match.end()
        return float(match.group(0))

    def end(self) -> None:
        self.skip()
        if self.pos != len(self.text):
            raise self.fail("the end of the expression")


def _aggregate_call(scanner: _Scanner) -> tuple[str, str]:
    aggregate, start = scanner.name(f"an aggregate ({', '.join(AGGREGATES)})")
    if aggregate not in AGGREGATES:
        scanner.pos = start
        raise ThresholdInvalid(f"unknown aggregate {aggregate!r} at position {start}; use one of "
                               f"{', '.join(AGGREGATES)}: {scanner.text!r}", position=start, expression=scanner.text)
    scanner.char("(")
    metric, _ = scanner.name("a metric name")
    scanner.char(")")
    return aggregate, metric


def parse_threshold(text: str) -> Threshold:
    """Parse one expression; raise `ThresholdInvalid` naming the position."""
    if not isinstance(text, str):
        raise ThresholdInvalid("a threshold must be a string like \"pass_rate(exact) >= 0.9\"", position=0)
    scanner = _Scanner(text)
    scanner.skip()
    match = _NAME_RE.match(text, scanner.pos)
    head = match.group(0) if match else ""
    if head == "no_regression":
        scanner.pos = match.end() if match else scanner.pos
        scanner.char("(")
        metric, _ = scanner.name("a metric name")
        scanner.char(")")
        scanner.end()
        return Threshold(text, "no_regression", metric)
    if head == "delta":
        scanner.pos = match.end() if match else scanner.pos
        scanner.char("(")
        aggregate, metric = _aggregate_call(scanner)
        scanner.char(")")
        kind: Literal["absolute", "delta"] = "delta"
    else:
        aggregate, metric = _aggregate_call(scanner)
        kind = "absolute"
    op = scanner.operator()
    number = scanner.number()
    scanner.end()
    return Threshold(text, kind, metric, aggregate, op, number)


def parse_thresholds(texts: Sequence[str], metric_names: Sequence[str], *, has_baseline: bool,
                     field: str = "thresholds") -> list[Threshold]:
    """Parse and check every threshold of an eval request: each names a requested metric, and
    baseline-relative ones need a baseline. Errors name the field (`thresholds[1]`)."""
    if isinstance(texts, str) or not isinstance(texts, Sequence):
        raise ThresholdInvalid("thresholds must be a list of expressions", field=field, position=0)
    parsed = []
    for index, text in enumerate(texts):
        where = f"{field}[{index}]"
        try:
            threshold = parse_threshold(text)
        except ThresholdInvalid as exc:
            raise ThresholdInvalid(exc.message, field=where, **exc.details) from exc
        if threshold.metric not in metric_names:
            raise ThresholdMetricUnknown(
                f"{text!r} refers to metric {threshold.metric!r}, which this eval does not request "
                f"(requested: {', '.join(metric_names)})", field=where, metric=threshold.metric)
        if threshold.needs_baseline and not has_baseline:
            raise ThresholdNeedsBaseline(f"{text!r} compares against a baseline; give the eval a `baseline`",
                                         field=where)
        parsed.append(threshold)
    return parsed


def _holds(value: float, op: str, number: float) -> bool:
    if op == ">=":
        return value >= number - _EPSILON
    if op == "<=":
        return value <= number + _EPSILON
    if op == ">":
        return value > number + _EPSILON
    if op == "<":
        return value < number - _EPSILON
    if op == "==":
        return abs(value - number) <= _EPSILON
    return abs(value - number) > _EPSILON


def evaluate_threshold(threshold: Threshold, summary: dict[str, dict[str, Any]],
                       comparison: dict[str, Any] | None = None) -> dict[str, Any]:
    """`{expr, passed, value, baseline_value?, reason?}` for one threshold."""
    out: dict[str, Any] = {"expr": threshold.source, "passed": False, "value": None}
    if threshold.needs_baseline and comparison is None:
        out["reason"] = "needs a baseline, and this eval has none"
        return out
    if threshold.kind == "no_regression":
        assert comparison is not None
        metric = comparison["metrics"].get(threshold.metric)
        if metric is None:
            out["reason"] = f"no comparison for metric {threshold.metric!r}"
            return out
        out.update(value=metric["mean_delta"], p_value=metric["p_value"],
                   baseline_value=metric["baseline_mean"], passed=not metric["significant_regression"])
        if metric["significant_regression"]:
            out["reason"] = (f"significant regression of {threshold.metric}: mean delta {metric['mean_delta']}, "
                             f"p = {metric['p_value']} < {metric['alpha']}")
        return out
    assert threshold.aggregate is not None and threshold.op is not None and threshold.number is not None
    value = (summary.get(threshold.metric) or {}).get(threshold.aggregate)
    if threshold.kind == "delta":
        assert comparison is not None
        base = (comparison["baseline_summary"].get(threshold.metric) or {}).get(threshold.aggregate)
        out["baseline_value"] = base
        value = None if value is None or base is None else round(value - base, 9)
    if value is None:
        out["reason"] = f"{threshold.aggregate}({threshold.metric}) has no data"
        return out
    out["value"] = value
    out["passed"] = _holds(value, threshold.op, threshold.number)
    if not out["passed"]:
        out["reason"] = f"{value:g} is not {threshold.op} {threshold.number:g}"
    return out


def evaluate_thresholds(thresholds: Sequence[Threshold], summary: dict[str, dict[str, Any]],
                        comparison: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return [evaluate_threshold(t, summary, comparison) for t in thresholds]
