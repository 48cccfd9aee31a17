"""An `EvalCase` from a finished run: the dataset item, the run's output and its events
(`{type, node_id?, data}`, shared/API.md).

- tool calls, in order, from `tool.started` (name, input) and `tool.completed` (output, error);
- steps: executed nodes (`node.completed`) for workflows, model turns (`model.completed`) for
  agents; tokens and cost summed over `model.completed`;
- citations from `retrieval.completed` hits, merged by chunk id with the hits a `retrieval` tool
  call or a retrieval node returned (those carry the chunk text that `faithfulness` needs);
  `chunk_texts` (chunk id -> text, looked up by the caller) fills the text of the others;
- node outputs by node id, for `$.nodes.<id>.output` paths.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from runtime.evals.case import Citation, EvalCase, Feedback, ToolCallRecord


class _Citations:
    """Retrieved chunks in first-seen order, one per chunk id, keeping the first text found."""

    def __init__(self) -> None:
        self.items: list[Citation] = []
        self._by_chunk: dict[str, int] = {}

    def add_hits(self, hits: Any) -> None:
        for hit in hits if isinstance(hits, list) else []:
            if isinstance(hit, Mapping):
                self.add(_citation(hit))

    def add(self, citation: Citation) -> None:
        index = self._by_chunk.get(citation.chunk_id) if citation.chunk_id else None
        if index is None:
            if citation.chunk_id:
                self._by_chunk[citation.chunk_id] = len(self.items)
            self.items.append(citation)
            return
        known = self.items[index]
        self.items[index] = replace(known, text=known.text or citation.text,
                                    document_name=known.document_name or citation.document_name,
                                    document_id=known.document_id or citation.document_id)

    def with_texts(self, chunk_texts: Mapping[str, str]) -> tuple[Citation, ...]:
        return tuple(replace(c, text=chunk_texts[c.chunk_id]) if not c.text and c.chunk_id and c.chunk_id in chunk_texts
                     else c for c in self.items)


def case_from_run_events(*, item: Mapping[str, Any], output: Any, events: Iterable[Mapping[str, Any]],
                         latency_ms: float | None = None, feedback: Iterable[Mapping[str, Any]] = (),
                         baseline_output: Any = None, repeat: int = 0,
                         chunk_texts: Mapping[str, str] | None = None) -> EvalCase:
    """Build a case from a dataset item (`{id, input, expected?, metadata?}`), the run's output,
    its events and its feedback (`[{thumbs?, score?, comment?}]`)."""
    calls: list[ToolCallRecord] = []
    by_call_id: dict[str, int] = {}
    citations = _Citations()
    nodes: dict[str, Any] = {}
    model_steps = 0
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
            if isinstance(data.get("output"), Mapping):
                citations.add_hits(data["output"].get("hits"))
        elif kind == "model.completed":
            model_steps += 1
            usage = data.get("usage") or {}
            tokens_in += int(usage.get("input_tokens") or 0)
            tokens_out += int(usage.get("output_tokens") or 0)
            cost += float(data.get("cost_usd") or 0.0)
        elif kind == "retrieval.completed":
            citations.add_hits(data.get("hits"))
        elif kind == "node.completed" and event.get("node_id"):
            nodes[str(event["node_id"])] = data.get("output")
            if isinstance(data.get("output"), Mapping):
                citations.add_hits(data["output"].get("hits"))
    return EvalCase(
        item_id=str(item.get("id")), input=item.get("input"), expected=item.get("expected"),
        metadata=dict(item.get("metadata") or {}), output=output, node_outputs=nodes, latency_ms=latency_ms,
        input_tokens=tokens_in, output_tokens=tokens_out, cost_usd=round(cost, 10), tool_calls=tuple(calls),
        steps=len(nodes) if nodes else model_steps, citations=citations.with_texts(chunk_texts or {}),
        feedback=tuple(Feedback(f.get("thumbs"), f.get("score"), f.get("comment")) for f in feedback),
        baseline_output=baseline_output, repeat=repeat)


def _citation(hit: Mapping[str, Any]) -> Citation:
    score = hit.get("score")
    return Citation(document_id=_str_or_none(hit.get("document_id")), document_name=_str_or_none(hit.get("document_name")),
                    text=_str_or_none(hit.get("text")), chunk_id=_str_or_none(hit.get("chunk_id")),
                    score=float(score) if isinstance(score, (int, float)) and not isinstance(score, bool) else None)


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)
