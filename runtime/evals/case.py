"""What a metric scores: one dataset item, one run of the target on it, and what the run did.

`EvalCase` is plain data; the Django side fills it from a finished run (`case_from_run_events`
reads the run's events: tool calls in order, model steps, retrieved citations, node outputs,
tokens and cost). Metrics read the output through `select_output` (the `path` config) and the
expected value through `select_expected` (`expected_path`).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from runtime.evals.paths import MISSING, JsonPath, parse_json_path


@dataclass(frozen=True)
class ToolCallRecord:
    """One tool call of the run, in the order the run made them."""

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    output: Any = None
    error: dict[str, Any] | None = None


@dataclass(frozen=True)
class Citation:
    """A retrieved chunk the run saw (document id and/or name; text when known)."""

    document_id: str | None = None
    document_name: str | None = None
    text: str | None = None
    chunk_id: str | None = None
    score: float | None = None


@dataclass(frozen=True)
class Feedback:
    """Human feedback on the run: thumbs (`up`/`down`, or true/false), a score, a comment."""

    thumbs: str | bool | None = None
    score: float | None = None
    comment: str | None = None


@dataclass(frozen=True)
class EvalCase:
    item_id: str
    input: Any = None
    expected: Any = None
    metadata: dict[str, Any] = field(default_factory=dict)
    output: Any = None  # `{"text": ...}` for agents without an output schema, else the object
    node_outputs: dict[str, Any] = field(default_factory=dict)  # workflow targets: node id -> output
    latency_ms: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost_usd: float | None = None
    tool_calls: tuple[ToolCallRecord, ...] = ()
    steps: int | None = None  # model turns (agents) or executed nodes (workflows)
    citations: tuple[Citation, ...] = ()
    feedback: tuple[Feedback, ...] = ()
    baseline_output: Any = None  # the baseline eval's output for this item (pairwise judging)
    repeat: int = 0

    @property
    def total_tokens(self) -> int | None:
        if self.input_tokens is None and self.output_tokens is None:
            return None
        return (self.input_tokens or 0) + (self.output_tokens or 0)


def select_output(case: EvalCase, path: str | None) -> Any:
    """The part of the output a metric reads. `$.nodes.<id>.output...` addresses a workflow node's
    output and `$.output...` the output explicitly; any other path is relative to the output.
    Returns `MISSING` when the path selects nothing."""
    if path is None:
        return case.output
    parsed = parse_json_path(path)
    segments = parsed.segments
    if segments[:1] == ("nodes",):
        scope: Any = {"nodes": {node: {"output": out} for node, out in case.node_outputs.items()}}
        return _walk(scope, segments)
    if segments[:1] == ("output",):
        return _walk(case.output, segments[1:])
    return parsed.select(case.output)


def select_expected(case: EvalCase, expected_path: str | None) -> Any:
    """The item's expected value, or the part `expected_path` picks (`MISSING` if absent)."""
    if expected_path is None:
        return MISSING if case.expected is None else case.expected
    return parse_json_path(expected_path).select(case.expected)


def _walk(value: Any, segments: tuple[str | int, ...]) -> Any:
    return JsonPath("", segments).select(value)


def text_of(value: Any) -> str:
    """The text a text metric compares: a string as is, `{"text": s}` as `s`, nothing as "",
    anything else as canonical JSON (sorted keys)."""
    if isinstance(value, str):
        return value
    if value is None or value is MISSING:
        return ""
    if isinstance(value, dict) and set(value) == {"text"} and isinstance(value["text"], str):
        return value["text"]
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
