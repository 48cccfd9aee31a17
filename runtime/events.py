"""Event sink and tracing protocols the engine reports through.

Event types are the public contract in shared/API.md (`run.started`, `model.delta`,
`tool.completed`, ...). The engine never stores or publishes by itself: the Django side
implements `EventSink` (Postgres append + Redis publish) and `Tracer` (span rows).
"""
from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol


class EventSink(Protocol):
    def emit(self, type: str, data: dict[str, Any], *, node_id: str | None = None,
             span_id: str | None = None) -> None: ...


@dataclass
class Span:
    """One timed unit of work: kind is `model`, `tool`, `retrieval` or `node`."""

    kind: str
    name: str
    parent_id: str | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    started_at: float = field(default_factory=time.time)
    ended_at: float | None = None
    status: str = "ok"
    attributes: dict[str, Any] = field(default_factory=dict)
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    error: dict[str, Any] | None = None

    @property
    def duration_ms(self) -> float | None:
        return None if self.ended_at is None else (self.ended_at - self.started_at) * 1000


class Tracer(Protocol):
    def start_span(self, kind: str, name: str, *, parent_id: str | None = None,
                   attributes: dict[str, Any] | None = None) -> Span: ...

    def end_span(self, span: Span) -> None: ...


class CollectingSink:
    """In-memory sink: keeps every event (tests, the tool playground, benchmarks)."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def emit(self, type: str, data: dict[str, Any], *, node_id: str | None = None,
             span_id: str | None = None) -> None:
        self.events.append({"type": type, "data": data, "node_id": node_id, "span_id": span_id})

    def types(self) -> list[str]:
        return [e["type"] for e in self.events]


class NullTracer:
    """Tracer that keeps nothing (no persistence, benchmarks)."""

    def start_span(self, kind: str, name: str, *, parent_id: str | None = None,
                   attributes: dict[str, Any] | None = None) -> Span:
        return Span(kind=kind, name=name, parent_id=parent_id, attributes=dict(attributes or {}))

    def end_span(self, span: Span) -> None:
        if span.ended_at is None:
            span.ended_at = time.time()


class CollectingTracer(NullTracer):
    def __init__(self) -> None:
        self.spans: list[Span] = []

    def end_span(self, span: Span) -> None:
        super().end_span(span)
        self.spans.append(span)


@contextmanager
def traced(tracer: Tracer, kind: str, name: str, *, parent_id: str | None = None,
           attributes: dict[str, Any] | None = None) -> Iterator[Span]:
    """Open a span, mark it failed if the block raises, always end it."""
    span = tracer.start_span(kind, name, parent_id=parent_id, attributes=attributes)
    try:
        yield span
    except BaseException as exc:
        span.status = "error"
        span.error = {"type": getattr(exc, "code", type(exc).__name__), "message": str(exc)[:500]}
        raise
    finally:
        span.ended_at = time.time()
        tracer.end_span(span)
