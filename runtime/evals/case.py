"""What a metric scores: one dataset item, one run of the target on it, and what the run did.

`EvalCase` is plain data; the Django side fills it from a finished run (`case_from_run_events`
reads the run's events: tool calls in order, model steps, retrieved citations, node outputs,
tokens and cost). Metrics read the output through `select_output` (the `path` config) and the
expected value through `select_expected` (`expected_path`).
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
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


def case_from_run_events(*, item: Mapping[str, Any], output: Any, events: Iterable[Mapping[str, Any]],
                         latency_ms: float | None = None, feedback: Iterable[Mapping[str, Any]] = (),
                         baseline_output: Any = None, repeat: int = 0) -> EvalCase:
    """Build a case from a dataset item (`{id, input, expected?, metadata?}`), the run's output and
    its events (`{type, node_id?, data}` as in shared/API.md)."""
    calls: list[ToolCallRecord] = []
    by_call_id: dict[str, int] = {}
    citations: list[Citation] = []
    nodes: dict[str, Any] = {}
    model_steps = node_steps = 0
    tokens_in = tokens_out = 0
    cost = 0.0
    for event in events:
        kind, data = event.get("type"), event.get("data") or {}
        if kind == "tool.started":
            by_call_id[str(data.get("call_id"))] = len(calls)
            calls.append(ToolCallRecord(str(data.get("tool")), dict(data.get("input") or {})))
        elif kind == "tool.completed":
            index = by_call_id.get(str(data.get("call_id")))
            if index is None:  # an unknown tool: completed without starting
                calls.append(ToolCallRecord(str(data.get("tool")), {}, None, data.get("error")))
            else:
                started = calls[index]
                calls[index] = ToolCallRecord(started.name, started.arguments, data.get("output"), data.get("error"))
        elif kind == "model.completed":
            model_steps += 1
            usage = data.get("usage") or {}
            tokens_in += int(usage.get("input_tokens") or 0)
            tokens_out += int(usage.get("output_tokens") or 0)
            cost += float(data.get("cost_usd") or 0.0)
        elif kind == "retrieval.completed":
            citations.extend(_citation(hit) for hit in data.get("hits") or [])
        elif kind == "node.completed" and event.get("node_id"):
            node_steps += 1
            nodes[str(event["node_id"])] = data.get("output")
    return EvalCase(
        item_id=str(item.get("id")), input=item.get("input"), expected=item.get("expected"),
        metadata=dict(item.get("metadata") or {}), output=output, node_outputs=nodes, latency_ms=latency_ms,
        input_tokens=tokens_in, output_tokens=tokens_out, cost_usd=round(cost, 10), tool_calls=tuple(calls),
        steps=node_steps if nodes else model_steps, citations=tuple(citations),
        feedback=tuple(Feedback(f.get("thumbs"), f.get("score"), f.get("comment")) for f in feedback),
        baseline_output=baseline_output, repeat=repeat)


def _citation(hit: Mapping[str, Any]) -> Citation:
    score = hit.get("score")
    return Citation(document_id=_str_or_none(hit.get("document_id")), document_name=_str_or_none(hit.get("document_name")),
                    text=_str_or_none(hit.get("text")), chunk_id=_str_or_none(hit.get("chunk_id")),
                    score=float(score) if isinstance(score, (int, float)) else None)


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)
