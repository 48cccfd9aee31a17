"""What the run viewer shows, computed server-side: the trace waterfall layout, the events
timeline, timings and usage.

The waterfall puts every span of a run on one time axis: rows in depth-first order (children
under their parent, siblings by start time), each with its depth and a bar whose offset and
width are percentages of the run's window (from the earliest start to the latest end).
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

#: bars narrower than this (percent of the window) are widened so they stay visible
MIN_WIDTH_PCT = 0.4
KINDS = ("model", "tool", "retrieval", "node")


class SpanLike(Protocol):
    id: str
    parent_id: str
    kind: str
    name: str
    status: str
    started_at: datetime
    ended_at: datetime | None
    duration_ms: float | None
    input_tokens: int
    output_tokens: int
    cost_usd: float


@dataclass(frozen=True)
class WaterfallRow:
    span: Any
    depth: int
    start_ms: float  # from the window start
    duration_ms: float
    offset_pct: float
    width_pct: float

    @property
    def kind_class(self) -> str:
        return self.span.kind if self.span.kind in KINDS else "other"

    @property
    def bar_style(self) -> str:
        """Inline CSS positioning the bar (always with a dot decimal, whatever the locale)."""
        return f"left: {self.offset_pct:.3f}%; width: {self.width_pct:.3f}%"

    @property
    def indent_style(self) -> str:
        return f"padding-left: {self.depth * 1.25:.2f}em"

    @property
    def error_text(self) -> str:
        return pretty(self.span.error) if getattr(self.span, "error", None) else ""

    @property
    def tokens(self) -> int:
        return (self.span.input_tokens or 0) + (self.span.output_tokens or 0)


@dataclass(frozen=True)
class Waterfall:
    rows: list[WaterfallRow]
    total_ms: float
    start: datetime | None

    @property
    def ticks(self) -> list[dict[str, str]]:
        """Five axis labels at 0, 25, 50, 75 and 100 % of the window."""
        return [{"style": f"left: {pct}%", "label": format_ms(self.total_ms * pct / 100)}
                for pct in (0, 25, 50, 75, 100)]


def _end(span: SpanLike) -> datetime | None:
    if span.ended_at is not None:
        return span.ended_at
    if span.duration_ms is not None:
        return span.started_at + timedelta(milliseconds=span.duration_ms)
    return None


def depth_first(spans: Iterable[SpanLike]) -> list[tuple[SpanLike, int]]:
    """Spans in tree order with their depth: roots (no parent, or a parent not in this run) by
    start time, each followed by its descendants, siblings by start time."""
    spans = list(spans)
    ids = {span.id for span in spans}
    children: dict[str, list[SpanLike]] = {}
    roots: list[SpanLike] = []
    for span in sorted(spans, key=lambda s: (s.started_at, s.id)):
        if span.parent_id and span.parent_id in ids and span.parent_id != span.id:
            children.setdefault(span.parent_id, []).append(span)
        else:
            roots.append(span)
    ordered: list[tuple[SpanLike, int]] = []
    seen: set[str] = set()
    stack = [(root, 0) for root in reversed(roots)]
    while stack:
        span, depth = stack.pop()
        if span.id in seen:  # a parent cycle in bad data: show each span once
            continue
        seen.add(span.id)
        ordered.append((span, depth))
        stack.extend((child, depth + 1) for child in reversed(children.get(span.id, [])))
    ordered.extend((span, 0) for span in spans if span.id not in seen)  # spans only reachable through a cycle
    return ordered


def waterfall(spans: Sequence[SpanLike], *, start: datetime | None = None, end: datetime | None = None) -> Waterfall:
    """The layout of `spans` on one time axis spanning `start`..`end` (widened to cover every span)."""
    if not spans:
        return Waterfall(rows=[], total_ms=0.0, start=start)
    ends = [e for e in (_end(span) for span in spans) if e is not None]
    window_start = min([span.started_at for span in spans] + ([start] if start else []))
    window_end = max(ends + [span.started_at for span in spans] + ([end] if end else []))
    total_ms = max((window_end - window_start).total_seconds() * 1000, 0.001)
    rows = []
    for span, depth in depth_first(spans):
        span_end = _end(span) or window_end
        start_ms = (span.started_at - window_start).total_seconds() * 1000
        duration_ms = max((span_end - span.started_at).total_seconds() * 1000, 0.0)
        offset = min(max(start_ms / total_ms * 100, 0.0), 100.0)
        width = min(max(duration_ms / total_ms * 100, MIN_WIDTH_PCT), 100.0)
        offset = min(offset, 100.0 - width)  # a minimum-width bar at the very end stays inside
        rows.append(WaterfallRow(span=span, depth=depth, start_ms=start_ms, duration_ms=duration_ms,
                                 offset_pct=offset, width_pct=width))
    return Waterfall(rows=rows, total_ms=total_ms, start=window_start)


def format_ms(ms: float | None) -> str:
    """A duration for people: `850 ms`, `2.35 s`, `3 min 5 s`."""
    if ms is None:
        return "—"
    if ms == 0:
        return "0 ms"
    if ms < 1:
        return f"{ms:.2f} ms"
    if ms < 1000:
        return f"{ms:.0f} ms"
    if ms < 60_000:
        return f"{ms / 1000:.2f} s"
    minutes, seconds = divmod(int(ms / 1000), 60)
    return f"{minutes} min {seconds} s"


def _ms_between(a: datetime | None, b: datetime | None) -> float | None:
    return (b - a).total_seconds() * 1000 if a and b else None


def timings(run) -> dict[str, str]:
    """Queued, running and total time of a run, formatted."""
    return {"queued": format_ms(_ms_between(run.created_at, run.started_at)),
            "running": format_ms(_ms_between(run.started_at, run.finished_at)),
            "total": format_ms(_ms_between(run.created_at, run.finished_at))}


def duration_ms(run) -> float | None:
    return _ms_between(run.started_at, run.finished_at)


def usage(run) -> dict[str, Any]:
    data = run.usage or {}
    input_tokens, output_tokens = data.get("input_tokens", 0) or 0, data.get("output_tokens", 0) or 0
    return {"input_tokens": input_tokens, "output_tokens": output_tokens, "tokens": input_tokens + output_tokens,
            "cost_usd": float(data.get("cost_usd", 0.0) or 0.0)}


def pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


@dataclass(frozen=True)
class EventRow:
    seq: int
    type: str
    node_id: str
    offset: str
    summary: str
    data: str


def summarize(data: Any, limit: int = 80) -> str:
    """A one-line preview of an event's data."""
    text = json.dumps(data, ensure_ascii=False, default=str, separators=(", ", ": "))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _offset(base: datetime | None, ts: datetime) -> str:
    return f"+{format_ms(_ms_between(base, ts))}"


def event_rows(events: Iterable, base: datetime | None) -> list[EventRow]:
    """The events timeline: time offsets from `base` (the run's creation)."""
    return [EventRow(seq=e.seq, type=e.type, node_id=e.node_id, offset=_offset(base, e.ts),
                     summary=summarize(e.data), data=pretty(e.data)) for e in events]


def event_json(out: dict[str, Any], event, base: datetime | None) -> dict[str, Any]:
    """An event as the API shows it (`out`), plus what the live timeline displays."""
    return {**out, "offset": _offset(base, event.ts), "summary": summarize(event.data), "pretty": pretty(event.data)}
