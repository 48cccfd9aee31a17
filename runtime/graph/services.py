"""What workflow nodes need from the rest of the platform, as small protocols.

The graph engine never imports the agent loop, the tool executor, the model router, RAG or the
code sandbox: the caller (the Django `runs` worker) passes implementations in `GraphServices`.
Each call receives a `ServiceContext`: the run and node ids, the node's span id (use it as the
`parent_id` of child spans), an attempt-independent idempotency key, the deadline, the cancel
token, and `emit()` to add events to the run stream under the node's id.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from runtime.events import EventSink, Tracer
from runtime.store import CancelToken, NeverCancelled, ToolCallLedger


@dataclass
class ServiceContext:
    """Per-call context handed to services by a node."""

    run_id: str
    node_id: str  # full node path, e.g. `loop1[3]/fetch`
    span_id: str | None  # the node span: parent of the service's own spans
    idempotency_key: str  # `<run_id>:<node path>`, the same on every attempt and after a resume
    attempt: int = 1
    deadline: float | None = None  # time.monotonic() value, or None
    cancel: CancelToken = field(default_factory=NeverCancelled)
    sink: EventSink | None = None
    tracer: Tracer | None = None
    ledger: ToolCallLedger | None = None

    def emit(self, type: str, data: dict[str, Any]) -> None:
        """Add an event to the run stream, attributed to this node."""
        if self.sink is not None:
            self.sink.emit(type, data, node_id=self.node_id, span_id=self.span_id)


class AgentRunner(Protocol):
    def run_agent(self, agent_ref: str, input: dict[str, Any], *, handoffs: list[dict[str, Any]],
                  ctx: ServiceContext) -> dict[str, Any]:
        """Run one agent version as a sub-step.

        `handoffs` lists `{name, description}` targets the agent may hand off to (offer them as
        handoff tools). Returns `{"output": ..., "handoff": target | None, "usage": {input_tokens,
        output_tokens, cost_usd}}` and optionally `"handoff_payload": {...}`.
        """
        ...


class ToolInvoker(Protocol):
    def invoke(self, tool_name: str, input: dict[str, Any], *, config: dict[str, Any], key: str,
               ctx: ServiceContext) -> Any:
        """Run one tool call (validation, ledger by `key`, approvals, timeouts, retries, events).

        Raises `ToolError`s whose `retryable` tells the node whether a retry is safe.
        """
        ...


class PromptModel(Protocol):
    def complete(self, model_ref: str, messages: list[dict[str, Any]], *, output_schema: dict[str, Any] | None,
                 on_delta: Callable[[str], None] | None, ctx: ServiceContext,
                 options: dict[str, Any] | None = None) -> dict[str, Any]:
        """One model call. Returns `{"text": str, "usage": {...}}`, or `{"output": obj, "usage": {...}}`
        when `output_schema` is given. Streamed text goes to `on_delta`."""
        ...


class Retriever(Protocol):
    def search(self, knowledge_base: str, query: str, *, top_k: int, filter: dict[str, Any] | None,
               mode: str | None, ctx: ServiceContext) -> list[dict[str, Any]]:
        """Top hits `{chunk_id, document_id, document_name, text, score, metadata}`, best first."""
        ...


class CodeRunner(Protocol):
    def run(self, code: str, input: Any, limits: dict[str, Any], *, ctx: ServiceContext | None = None) -> Any:
        """Run `code` (the body of a function of `input`) in the sandbox; return its JSON result.
        `ctx` carries the node attempt's deadline and cancel token (the sandbox is killed at either).

        Raises `SandboxLimitExceeded`, `SandboxUnavailable` or `ToolError` on failure."""
        ...


@dataclass
class GraphServices:
    """The services a run may use; a node whose service is missing fails with `NodeServiceMissing`."""

    agents: AgentRunner | None = None
    tools: ToolInvoker | None = None
    models: PromptModel | None = None
    retriever: Retriever | None = None
    code: CodeRunner | None = None
