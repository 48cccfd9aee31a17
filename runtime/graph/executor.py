"""`run_graph`: execute (or resume) one workflow run.

The caller owns the run's status and run-level events (`run.started`, `run.waiting` with
`result.waiting`, `run.succeeded`, `run.failed`...). This function emits node events, appends one
checkpoint delta per completed node, and returns `GraphResult` when the run succeeds or pauses.
Failures raise: `NodeFailed` (with `node_id`, the path of the failed node, and `cause`) or a
`RunAborted` subclass (`Cancelled`, `RunTimedOut`, `StepLimitExceeded`, `BudgetExceeded`).

Calling it again with the same `run_id` and store resumes: completed nodes are replayed from their
deltas, so side effects and tokens are not paid twice; Human input answers come from `resume` deltas.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from runtime.events import CollectingSink, EventSink, NullTracer, Tracer
from runtime.graph.checkpoints import RunMemory
from runtime.graph.compiled import CompiledGraph, compile_graph
from runtime.graph.context import RunContext, RunLimits, ScopeWaiting
from runtime.graph.scheduler import ScopeRun
from runtime.graph.services import GraphServices
from runtime.store import CancelToken, CheckpointStore, NeverCancelled, ToolCallLedger


@dataclass
class GraphResult:
    """`status` is `succeeded` (with `output`) or `waiting` (with the `waiting` prompts)."""

    status: str
    output: Any
    state: dict[str, Any]
    waiting: list[dict[str, Any]] = field(default_factory=list)  # [{node, prompt, input_schema}]
    usage: dict[str, Any] = field(default_factory=dict)  # {input_tokens, output_tokens, cost_usd}
    steps: int = 0


def run_graph(graph: dict[str, Any] | CompiledGraph, input: Any, *, run_id: str,
              services: GraphServices | None = None, sink: EventSink | None = None, tracer: Tracer | None = None,
              checkpoints: CheckpointStore | None = None, ledger: ToolCallLedger | None = None,
              cancel: CancelToken | None = None, limits: RunLimits | None = None,
              redact: Callable[[Any], Any] | None = None, parent_span_id: str | None = None) -> GraphResult:
    """Run a workflow graph (a definition or a `compile_graph` result, which callers may cache per version).

    `checkpoints` (deltas of this `run_id`) make the run resumable; `redact` is applied to node inputs and
    outputs in events; `parent_span_id` parents the node spans (e.g. the run's root span)."""
    compiled = graph if isinstance(graph, CompiledGraph) else compile_graph(graph)
    memory = RunMemory.fold(checkpoints.load_checkpoints(run_id) if checkpoints is not None else [])
    run = RunContext(run_id=run_id, services=services or GraphServices(), sink=sink or CollectingSink(),
                     tracer=tracer or NullTracer(), checkpoints=checkpoints, ledger=ledger,
                     cancel=cancel or NeverCancelled(), limits=limits or RunLimits(), redact=redact, memory=memory)
    state = {"input": memory.initial_input(input), "nodes": memory.records(""),
             "vars": memory.initial_vars(compiled.vars)}
    try:
        output = ScopeRun(run, compiled, state, "", parent_span_id).run()
    except ScopeWaiting as waiting:
        return GraphResult("waiting", None, state, waiting.prompts, run.usage, run.steps)
    except BaseException:
        run.stop()  # work still running in pool threads must not write after the run ended
        raise
    return GraphResult("succeeded", output, state, [], run.usage, run.steps)
