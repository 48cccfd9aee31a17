"""Run-wide and per-node execution context of the graph engine.

`RunContext` holds what one run shares across scopes and threads: services, sink, tracer,
checkpoint store, limits and counters. Every sink and store call goes through it, under one lock,
so implementations backed by a single DB connection are never called concurrently.
`NodeContext` is what a node's `execute` sees.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from runtime.errors import BudgetExceeded, Cancelled, RunAborted, RunTimedOut, StepLimitExceeded, WaitingForInput
from runtime.events import EventSink, Span, Tracer
from runtime.graph.checkpoints import NODE, RunMemory, add_usage
from runtime.graph.services import GraphServices, ServiceContext
from runtime.store import CancelToken, CheckpointStore, ToolCallLedger

if TYPE_CHECKING:
    from runtime.graph.compiled import CompiledGraph

_MISSING = object()


@dataclass
class RunLimits:
    """Per-run limits: nodes executed, wall time, model/agent spend, parallel nodes per scope."""

    max_steps: int | None = None
    timeout_s: float | None = None
    max_cost_usd: float | None = None
    max_parallel: int = 8


class RunStopped(RunAborted):
    """Another part of the run failed or was aborted: late work is dropped."""

    code = "run_stopped"


class ScopeWaiting(WaitingForInput):
    """A (sub-)graph paused: one or more Human input nodes wait; `prompts` lists them all."""

    def __init__(self, prompts: list[dict[str, Any]]) -> None:
        super().__init__("human_input", prompt=prompts[0] if prompts else {})
        self.prompts = prompts


class RunContext:
    def __init__(self, *, run_id: str, services: GraphServices, sink: EventSink, tracer: Tracer,
                 checkpoints: CheckpointStore | None, ledger: ToolCallLedger | None, cancel: CancelToken,
                 limits: RunLimits, redact: Callable[[Any], Any] | None, memory: RunMemory) -> None:
        self.run_id = run_id
        self.services = services
        self.sink = sink
        self.lock = threading.Lock()
        self.tracer: Tracer = _SerialTracer(tracer, self.lock)
        self.checkpoints = checkpoints
        self.ledger = ledger
        self.cancel = cancel
        self.limits = limits
        self.redact = redact
        self.memory = memory
        self.flush: Callable[[], None] | None = getattr(sink, "flush", None)
        self.stopped = False
        self.steps = memory.steps
        self.usage = dict(memory.usage)
        self.deadline = time.monotonic() + limits.timeout_s if limits.timeout_s else None

    def emit(self, type: str, data: dict[str, Any], node_id: str | None, span_id: str | None = None) -> None:
        """Emit one event (dropped once the run has stopped)."""
        with self.lock:
            if not self.stopped:
                self.sink.emit(type, data, node_id=node_id, span_id=span_id)

    def commit(self, record: dict[str, Any], event: str, data: dict[str, Any], span_id: str | None) -> None:
        """Emit a node's terminal event then append its checkpoint delta, as one unit."""
        with self.lock:
            if self.stopped:
                raise RunStopped("run stopped")
            path = record["node"]
            self.sink.emit(event, data, node_id=path, span_id=span_id)
            if self.checkpoints is not None:
                self.checkpoints.append_checkpoint(self.run_id, f"{NODE}:{path}", record)
            self.steps += 1
            usage = record.get("usage")
            if usage:
                add_usage(self.usage, usage)
        if usage and self.limits.max_cost_usd is not None and self.usage["cost_usd"] > self.limits.max_cost_usd:
            raise BudgetExceeded(f"run cost {self.usage['cost_usd']:.4f} USD exceeds the limit "
                                 f"{self.limits.max_cost_usd} USD", cost_usd=self.usage["cost_usd"])

    def check_limits(self) -> None:
        """Between nodes: honour cancellation, the run deadline and the step limit."""
        if self.stopped:
            raise RunStopped("run stopped")
        if self.cancel.is_cancelled():
            raise Cancelled("run cancelled")
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise RunTimedOut(f"run exceeded its time limit of {self.limits.timeout_s}s")
        if self.limits.max_steps is not None and self.steps >= self.limits.max_steps:
            raise StepLimitExceeded(f"run reached its limit of {self.limits.max_steps} steps")

    def stop(self) -> None:
        with self.lock:
            self.stopped = True


class NodeContext:
    """What a node's `execute` gets: its path, the scope state, services, events and sub-graphs."""

    __slots__ = ("_run_body", "attempt", "cancel", "deadline", "path", "run", "scope", "sources", "span_id")

    def __init__(self, run: RunContext, path: str, scope: dict[str, Any], span_id: str | None,
                 sources: list[str], run_body: Callable[..., Any]) -> None:
        self.run = run
        self.path = path
        self.scope = scope
        self.span_id = span_id
        self.attempt = 1
        self.sources = sources  # ids of the upstream nodes whose edges into this node were taken
        self._run_body = run_body
        self.deadline: float | None = run.deadline  # an attempt with a timeout has its own (`for_attempt`)
        self.cancel: CancelToken = run.cancel

    def for_attempt(self, deadline: float, cancel: CancelToken) -> NodeContext:
        """This context for one bounded attempt: services see its deadline and cancel token."""
        copy = NodeContext(self.run, self.path, self.scope, self.span_id, self.sources, self._run_body)
        copy.attempt = self.attempt
        copy.deadline = deadline if self.run.deadline is None else min(deadline, self.run.deadline)
        copy.cancel = cancel
        return copy

    @property
    def services(self) -> GraphServices:
        return self.run.services

    def emit(self, type: str, data: dict[str, Any]) -> None:
        """Add an event attributed to this node."""
        self.run.emit(type, data, self.path, self.span_id)

    def service_context(self) -> ServiceContext:
        """The context passed to services (span parent, idempotency key, deadline, cancel, sink)."""
        run = self.run
        return ServiceContext(run_id=run.run_id, node_id=self.path, span_id=self.span_id,
                              idempotency_key=f"{run.run_id}:{self.path}", attempt=self.attempt,
                              deadline=self.deadline, cancel=self.cancel, sink=_NodeSink(run),
                              tracer=run.tracer, ledger=run.ledger)

    def with_inputs(self, inputs: dict[str, Any]) -> dict[str, Any]:
        """The scope config templates and conditions are evaluated in: state plus `inputs`."""
        return {**self.scope, "inputs": inputs}

    def resume_input(self) -> Any:
        """The answer a resume delta gave this node, or `NodeContext.MISSING`."""
        return self.run.memory.resumes.get(self.path, _MISSING)

    MISSING = _MISSING

    def record_of(self, node_id: str) -> dict[str, Any] | None:
        """The state record of a node of the same scope."""
        return self.scope["nodes"].get(node_id)

    def run_body(self, body: CompiledGraph, *, key: str, input: Any, loop: dict[str, Any]) -> Any:
        """Run a nested graph (one Loop iteration or Map item) and return its End output.

        Its nodes are checkpointed under `<this path><key>/`, so a resumed run skips finished work.
        Raises the body's failure, or `ScopeWaiting` if it paused for human input."""
        return self._run_body(body, key=key, input=input, loop=loop, parent=self)


class _SerialTracer:
    """The run's tracer, called under the run lock like the sink and the store."""

    __slots__ = ("lock", "tracer")

    def __init__(self, tracer: Tracer, lock: threading.Lock) -> None:
        self.tracer = tracer
        self.lock = lock

    def start_span(self, kind: str, name: str, *, parent_id: str | None = None,
                   attributes: dict[str, Any] | None = None) -> Span:
        with self.lock:
            return self.tracer.start_span(kind, name, parent_id=parent_id, attributes=attributes)

    def end_span(self, span: Span) -> None:
        with self.lock:
            self.tracer.end_span(span)


class _NodeSink:
    """The sink services see: serialised with the engine's own events."""

    __slots__ = ("run",)

    def __init__(self, run: RunContext) -> None:
        self.run = run

    def emit(self, type: str, data: dict[str, Any], *, node_id: str | None = None,
             span_id: str | None = None) -> None:
        self.run.emit(type, data, node_id, span_id)

    def flush(self) -> None:
        if self.run.flush is not None:
            with self.run.lock:
                self.run.flush()
