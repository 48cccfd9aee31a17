"""`ToolInvoker` for Tool and HTTP nodes: the project's tools through `runtime.tools.executor.call_tool`
(input validation, the run's ledger by idempotency key, approvals, timeouts, events, spans).

A node's per-call config configures a built-in (`ToolRef.for_node`: http headers/timeout, code limits)
and may declare `side_effect` (`read_only`, `idempotent`, `side_effecting`) to override the tool's own:
a read-only HTTP GET can then be repeated after a worker died mid-call, where a side-effecting call
whose outcome is unknown is refused (`tool_outcome_unknown`)."""
from __future__ import annotations

import json
import threading
from typing import Any

from agent_platform.thread_connections import closing_thread_connections
from runtime.agent.context import NullSink
from runtime.errors import ToolError, ToolOutcomeUnknown, ToolTimeout
from runtime.events import NullTracer
from runtime.graph import ServiceContext
from runtime.store import MemoryLedger
from runtime.tools.base import Tool, ToolContext
from runtime.tools.executor import call_tool
from tools.resolution import ToolRef, resolve_tool


class ProjectToolInvoker:
    """Resolves tools once per (name, config) and runs each call through `call_tool`."""

    def __init__(self, project, *, run_id: str, secrets: dict[str, str], services: dict[str, Any],
                 default_deadline: float | None) -> None:
        self.project = project
        self.run_id = run_id
        self.secrets = secrets
        self.services = services
        self.default_deadline = default_deadline
        self._tools: dict[str, Tool | ToolError] = {}
        self._lock = threading.Lock()

    def prepare(self, name: str, config: dict[str, Any]) -> None:
        """Resolve a tool ahead of time (on the worker's thread: custom tools are looked up in the DB).
        A resolution error is kept and raised when the node runs, so error routes can take it."""
        key = _cache_key(name, config)
        with self._lock:
            if key in self._tools:
                return
        try:
            resolved: Tool | ToolError = self._resolve(name, config)
        except ToolError as exc:
            resolved = exc
        with self._lock:
            self._tools[key] = resolved

    def tool(self, name: str, config: dict[str, Any]) -> Tool:
        key = _cache_key(name, config)
        if key not in self._tools:
            with closing_thread_connections():
                self.prepare(name, config)
        resolved = self._tools[key]
        if isinstance(resolved, ToolError):
            raise resolved
        return resolved

    def _resolve(self, name: str, config: dict[str, Any]) -> Tool:
        return resolve_tool(self.project, ToolRef.for_node(name, config), secrets=self.secrets)

    def tool_context(self, key: str, ctx: ServiceContext | None) -> ToolContext:
        deadline = ctx.deadline if ctx is not None and ctx.deadline is not None else self.default_deadline
        kwargs = {"cancel": ctx.cancel} if ctx is not None else {}
        return ToolContext(idempotency_key=key, run_id=self.run_id, project_id=str(self.project.pk),
                           secrets=self.secrets, deadline=deadline, services=self.services, **kwargs)

    def invoke(self, tool_name: str, input: dict[str, Any], *, config: dict[str, Any], key: str,
               ctx: ServiceContext) -> Any:
        """One call; a node retry (attempt > 1) gets its own ledger key, as the first attempt's
        error is recorded under the attempt-independent one."""
        tool = self.tool(tool_name, config)
        if ctx.attempt > 1:
            key = f"{key}:attempt-{ctx.attempt}"
        with closing_thread_connections():
            outcome = call_tool(tool, input, key=key, ctx=self.tool_context(key, ctx),
                                ledger=ctx.ledger or MemoryLedger(), sink=ctx.sink or NullSink(),
                                tracer=ctx.tracer or NullTracer(), parent_span_id=ctx.span_id, node_id=ctx.node_id)
        if isinstance(outcome.exception, ToolTimeout) and tool.spec.side_effect == "side_effecting":
            # It may have acted: never let a node retry policy repeat it.
            raise ToolOutcomeUnknown(f"{tool_name} timed out; its side effect may have happened", key=key)
        return outcome.raise_for_error()


def _cache_key(name: str, config: dict[str, Any]) -> str:
    return name + "\x00" + json.dumps(config, sort_keys=True, default=str)
