"""`WorkflowEngine`: executes (or resumes) a workflow run on a worker with `runtime.graph.run_graph`.

The pinned version's graph is compiled once per version per process. The RunStore is the run's event
sink, tracer, checkpoint store and tool ledger, so every completed node is a checkpoint and a re-run
after a crash, a pause or a retry replays completed nodes instead of executing them. The RunStore
redacts every event it stores (credential patterns and the project's secret values), so node inputs
and outputs are not redacted a second time by the engine; pure nodes' checkpoints are written with the
next durable write (see `pure_node_checkpoints`). A pause (Human
input) raises `WaitingForInput`; the executor sets the run `waiting` and calls its webhook. A node
failure raises `NodeFailed` (error `{type: node_failed, message, details: {node, cause}}`).
"""
from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from runs.store import RunStore
from runtime.errors import WaitingForInput
from runtime.graph import CompiledGraph, GraphResult, RunLimits, compile_graph, run_graph
from runtime.redaction import redactor
from workflows.adapters import build_services
from workflows.spec import DEFAULT_LIMITS

MAX_CACHED_GRAPHS = 256
_ITERATION = re.compile(r"\[\d+\]")
_compiled: OrderedDict[int, CompiledGraph] = OrderedDict()
_compiled_lock = threading.Lock()


def compiled_graph(version) -> CompiledGraph:
    """The compiled graph of a workflow version (versions are immutable: cached by id in-process)."""
    with _compiled_lock:
        found = _compiled.get(version.pk)
        if found is not None:
            _compiled.move_to_end(version.pk)
            return found
    compiled = compile_graph(version.body["graph"])
    with _compiled_lock:
        _compiled[version.pk] = compiled
        while len(_compiled) > MAX_CACHED_GRAPHS:
            _compiled.popitem(last=False)
    return compiled


def pure_node_checkpoints(graph: CompiledGraph) -> Callable[[str], bool]:
    """Whether a checkpoint key is a pure node's (start, end, transform, branch, join: no I/O, no body),
    which the store may write with the next durable one: a resumed run recomputes it for free, and the
    engine flushes the store before every node that does I/O, so no side effect waits on it."""
    known: dict[str, bool] = {}

    def is_pure(key: str) -> bool:
        if not key.startswith("node:"):
            return False
        shape = _ITERATION.sub("", key[5:])
        if shape not in known:
            known[shape] = _pure(graph, shape.split("/"))
        return known[shape]
    return is_pure


def _pure(graph: CompiledGraph, parts: list[str]) -> bool:
    node = graph.by_id.get(parts[0])
    if node is None:
        return False
    if len(parts) == 1:
        return not (node.impl.does_io or node.impl.has_body)
    body = getattr(node.impl, "body", None)
    return isinstance(body, CompiledGraph) and _pure(body, parts[1:])


def run_limits(body: dict[str, Any], deadline: float | None) -> RunLimits:
    """The version's limits; the time limit is what is left of the run's deadline (set by the executor)."""
    limits = {**DEFAULT_LIMITS, **(body.get("limits") or {})}
    remaining = None if deadline is None else max(0.001, deadline - time.monotonic())
    return RunLimits(max_steps=limits.get("max_steps"), timeout_s=remaining,
                     max_cost_usd=limits.get("max_cost_usd"), max_parallel=int(limits.get("max_parallel", 8)))


def waiting_prompt(result: GraphResult) -> dict[str, Any]:
    """What `run.waiting` and `Run.waiting_for.prompt` show: the first pause (`node`, `prompt`,
    `input_schema`), plus every waiting node under `waiting` when several branches paused."""
    prompts = result.waiting
    prompt = dict(prompts[0]) if prompts else {}
    if len(prompts) > 1:
        prompt["waiting"] = prompts
    return prompt


class WorkflowEngine:
    defer_pure_checkpoints = True  # False: every node's checkpoint is its own write (benchmarks compare)

    def execute(self, run, *, store, control, secrets: dict[str, str]) -> tuple[Any, dict | None]:
        """Run the pinned version; return `(output, usage)` where usage is what this run paid for
        (model spans of every attempt; outputs reused from checkpoints cost nothing)."""
        version = run.workflow_version
        graph = compiled_graph(version)
        services = build_services(run, version.body["graph"], store=store, control=control, secrets=secrets)
        if self.defer_pure_checkpoints and hasattr(store, "deferrable"):
            store.deferrable = pure_node_checkpoints(graph)
        result = run_graph(graph, run.input, run_id=run.pk, services=services, sink=store, tracer=store,
                           checkpoints=store, ledger=store, cancel=control,
                           limits=run_limits(version.body, getattr(control, "deadline", None)),
                           redact=None if isinstance(store, RunStore) else redactor.redact_data)
        if result.status == "waiting":
            raise WaitingForInput("human_input", prompt=waiting_prompt(result))
        return result.output, None  # the executor records what the run paid: its model spans
