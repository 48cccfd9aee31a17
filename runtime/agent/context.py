"""Everything a run of the agent loop talks to: models, tools, storage, events, time."""
from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from runtime.events import EventSink, NullTracer, Tracer
from runtime.models.cache import ResponseCache
from runtime.spend import SpendMeter
from runtime.store import (
    CancelToken,
    CheckpointStore,
    MemoryCheckpointStore,
    MemoryLedger,
    NeverCancelled,
    ToolCallLedger,
)
from runtime.tools.base import Tool

if TYPE_CHECKING:
    from runtime.models.router import ModelRouter


class NullSink:
    """Drops every event (benchmarks, callers that only want the result)."""

    def emit(self, type: str, data: dict[str, Any], *, node_id: str | None = None,
             span_id: str | None = None) -> None:
        return None


@dataclass
class AgentContext:
    """Injected dependencies of one run. The Django executor passes its Postgres/Redis
    implementations; tests and benchmarks use the in-memory ones (the defaults)."""

    run_id: str
    router: ModelRouter
    tools: Mapping[str, Tool] = field(default_factory=dict)
    sink: EventSink = field(default_factory=NullSink)
    tracer: Tracer = field(default_factory=NullTracer)
    checkpoints: CheckpointStore = field(default_factory=MemoryCheckpointStore)
    ledger: ToolCallLedger = field(default_factory=MemoryLedger)
    cancel: CancelToken = field(default_factory=NeverCancelled)
    secrets: Mapping[str, str] = field(default_factory=dict)
    services: Mapping[str, Any] = field(default_factory=dict)  # tool services ("kv", "retriever", ...)
    project_id: str | None = None
    parent_span_id: str | None = None
    node_id: str | None = None  # set when the agent runs as a workflow node
    cache: ResponseCache | None = None  # used only if the spec opts in
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random | None = None
    deadline: float | None = None  # a clock() value; default: start + limits.timeout_s
    spend: SpendMeter | None = None  # the project's / API key's budget (runtime.spend), if any
