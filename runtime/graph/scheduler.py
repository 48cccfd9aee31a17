"""The scheduler of one graph scope (the top-level graph, or one Loop iteration / Map item).

Edges are counted per target: when every incoming edge of a node is resolved the node runs if at
least one was taken (a Join in `any` mode runs on the first taken edge), and is skipped otherwise;
a skip resolves the node's own edges as not taken, so joins and ends downstream never wait forever.

Nodes already in the scope's records (from checkpoints) are replayed, not executed. Cheap pure
nodes run on the scheduling thread; I/O nodes run in a thread pool when others are ready or running,
so parallel branches overlap. Only this thread mutates the scope's state.
"""
from __future__ import annotations

import contextvars
import queue
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from runtime.errors import NodeFailed, RunAborted
from runtime.events import Span
from runtime.graph.compiled import CompiledGraph, CompiledNode
from runtime.graph.context import NodeContext, RunContext, ScopeWaiting
from runtime.graph.nodes.base import DEFAULT_PORT, ERROR_PORT, NodeResult
from runtime.graph.runner import FAILED, OK, WAITING, Outcome, error_dict, execute_node, start_node

_POLL_S = 0.1  # how often a waiting scheduler re-checks cancellation and the run deadline


class ScopeRun:
    """Executes one scope to completion; `run()` returns the End output."""

    def __init__(self, run: RunContext, graph: CompiledGraph, state: dict[str, Any], prefix: str,
                 parent_span: str | None) -> None:
        self.run_ctx = run
        self.graph = graph
        self.state = state
        self.records: dict[str, dict[str, Any]] = state["nodes"]
        self.prefix = prefix
        self.parent_span = parent_span
        count = len(graph.nodes)
        self.remaining = [n.in_count for n in graph.nodes]
        self.active_sources: list[list[str]] = [[] for _ in range(count)]
        self.fired = [False] * count
        self.ready: deque[int] = deque()
        self.waiting: list[dict[str, Any]] = []
        self.pool: ThreadPoolExecutor | None = None
        self.done: queue.SimpleQueue[tuple[int, Any]] = queue.SimpleQueue()
        self.in_flight = 0
        self.live = True  # False while settling a replayed node: its skips were reported before

    # --- main loop ------------------------------------------------------------------------
    def run(self) -> Any:
        """Run until nothing is ready or running; raise on failure, `ScopeWaiting` on a pause."""
        try:
            self.ready.append(self.graph.start)
            self._loop()
        finally:
            if self.pool is not None:
                self.pool.shutdown(wait=False, cancel_futures=True)
        if self.waiting:
            raise ScopeWaiting(self.waiting)
        return self._output()

    def _loop(self) -> None:
        nodes, ready, records = self.graph.nodes, self.ready, self.records
        while ready or self.in_flight:
            if not ready:
                self._collect()
                continue
            node = nodes[ready.popleft()]
            record = records.get(node.id)
            if record is not None:
                self._replay(node, record)
                continue
            self.run_ctx.check_limits()
            inputs = {name: fn(self.state) for name, fn in node.inputs}
            span = start_node(self.run_ctx, node, self.prefix + node.id, inputs, self.parent_span)
            if node.inline or not (ready or self.in_flight):
                self._settle(node, self._execute(node, inputs, span))
            else:
                self._submit(node, inputs, span)

    def _execute(self, node: CompiledNode, inputs: dict[str, Any], span: Span) -> Outcome:
        return execute_node(self.run_ctx, node, self.prefix + node.id, inputs, self.state, span,
                            self.active_sources[node.index], self._run_body)

    def _submit(self, node: CompiledNode, inputs: dict[str, Any], span: Span) -> None:
        if self.pool is None:
            self.pool = ThreadPoolExecutor(max_workers=self.run_ctx.limits.max_parallel,
                                           thread_name_prefix=f"graph:{self.prefix or 'top'}")

        def task() -> None:
            try:
                self.done.put((node.index, self._execute(node, inputs, span)))
            except BaseException as exc:  # noqa: BLE001 - a crash of the worker itself: re-raised by the scheduler
                self.done.put((node.index, exc))

        self.in_flight += 1
        self.pool.submit(contextvars.copy_context().run, task)  # the run's log redactor follows

    def _collect(self) -> None:
        try:
            index, outcome = self.done.get(timeout=_POLL_S)
        except queue.Empty:
            self.run_ctx.check_limits()
            return
        self.in_flight -= 1
        if isinstance(outcome, BaseException):
            raise outcome
        self._settle(self.graph.nodes[index], outcome)

    # --- settling outcomes ----------------------------------------------------------------
    def _settle(self, node: CompiledNode, outcome: Outcome) -> None:
        kind, value, span_id, latency_ms = outcome
        if kind == OK:
            self._complete(node, value, span_id, latency_ms)
        elif kind == WAITING:
            self.waiting.extend(value)
        elif kind == FAILED:
            self._fail(node, value, span_id)

    def _complete(self, node: CompiledNode, value: Any, span_id: str | None, latency_ms: float) -> None:
        path = self.prefix + node.id
        port = DEFAULT_PORT
        if type(value) is NodeResult:
            record = {"kind": "node", "node": path, "status": "completed", "output": value.output}
            port = value.port
            if port != DEFAULT_PORT:
                record["port"] = port
            if value.usage:
                record["usage"] = value.usage
            if value.extra:
                record.update(value.extra)
            value = value.output
        else:
            record = {"kind": "node", "node": path, "status": "completed", "output": value}
        run = self.run_ctx
        run.commit(record, "node.completed",
                   {"output": run.redact(value) if run.redact else value, "latency_ms": round(latency_ms, 3)},
                   span_id)
        self.records[node.id] = record
        self._propagate(node, port)

    def _fail(self, node: CompiledNode, error: BaseException, span_id: str | None) -> None:
        if isinstance(error, RunAborted):
            raise error
        if not node.routed:
            if isinstance(error, NodeFailed):
                raise error  # a body node failed: report the innermost node
            raise NodeFailed(self.prefix + node.id, error) from error
        record = {"kind": "node", "node": self.prefix + node.id, "status": "failed", "output": None,
                  "error": error_dict(error)}
        self.run_ctx.commit(record, "node.routed", {"error": record["error"], "port": ERROR_PORT}, span_id)
        self.records[node.id] = record
        self._propagate(node, ERROR_PORT)

    def _replay(self, node: CompiledNode, record: dict[str, Any]) -> None:
        port = ERROR_PORT if record.get("status") == "failed" else record.get("port", DEFAULT_PORT)
        self.live = False
        try:
            self._propagate(node, port)
        finally:
            self.live = True

    def _propagate(self, node: CompiledNode, port: str | None) -> None:
        """Resolve the outgoing edges of a node that took `port` (None: the node was skipped)."""
        nodes, remaining, fired = self.graph.nodes, self.remaining, self.fired
        stack: list[tuple[CompiledNode, str | None]] = [(node, port)]
        while stack:
            source, taken = stack.pop()
            for target, edge_port in source.out_edges:
                remaining[target] -= 1
                if taken is not None and edge_port == taken:
                    self.active_sources[target].append(source.id)
                    if nodes[target].join_any and not fired[target]:
                        fired[target] = True
                        self.ready.append(target)
                if remaining[target] == 0 and not fired[target]:
                    fired[target] = True
                    if self.active_sources[target]:
                        self.ready.append(target)
                    else:
                        stack.append((nodes[target], None))
                        self._skipped(nodes[target])

    def _skipped(self, node: CompiledNode) -> None:
        if self.live and node.id not in self.records:
            self.run_ctx.emit("node.skipped", {"type": node.type}, self.prefix + node.id)

    # --- results and bodies ---------------------------------------------------------------
    def _output(self) -> Any:
        outputs = {self.graph.nodes[i].id: self.records[self.graph.nodes[i].id]["output"]
                   for i in self.graph.ends if self.graph.nodes[i].id in self.records}
        if len(outputs) == 1:
            return next(iter(outputs.values()))
        return outputs or None

    def _run_body(self, body: CompiledGraph, *, key: str, input: Any, loop: dict[str, Any],
                  parent: NodeContext) -> Any:
        prefix = f"{parent.path}{key}/"
        state = {"input": input, "nodes": self.run_ctx.memory.records(prefix), "vars": self.state["vars"],
                 "loop": loop}
        return ScopeRun(self.run_ctx, body, state, prefix, parent.span_id).run()

