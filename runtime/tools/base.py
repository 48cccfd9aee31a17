"""Tool spec, protocol and call context: the contract between tools and their callers
(the agent loop, workflow Tool nodes, the tool playground)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from runtime.store import CancelToken, NeverCancelled

SideEffect = Literal["read_only", "idempotent", "side_effecting"]


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 1  # 1 = no retry
    backoff_s: float = 0.2
    max_backoff_s: float = 5.0


@dataclass(frozen=True)
class ToolSpec:
    name: str
    description: str
    input_schema: dict[str, Any]
    output_schema: dict[str, Any] | None = None
    timeout_s: float = 30.0
    retry: RetryPolicy = RetryPolicy()
    side_effect: SideEffect = "read_only"
    idempotency_key_template: str | None = None  # e.g. "order-{input[order_id]}"
    requires_approval: bool = False
    secret_refs: tuple[str, ...] = ()
    rate_limit_per_min: int | None = None


@dataclass
class ToolContext:
    """What a tool may use during one call. Services are injected by the caller."""

    idempotency_key: str
    run_id: str | None = None
    project_id: str | None = None
    secrets: Mapping[str, str] = field(default_factory=dict)
    deadline: float | None = None  # time.monotonic() value
    cancel: CancelToken = field(default_factory=NeverCancelled)
    # Optional services, keyed by name ("kv", "retriever", "http_policy", ...).
    services: Mapping[str, Any] = field(default_factory=dict)


class Tool(Protocol):
    spec: ToolSpec

    def invoke(self, input: dict[str, Any], ctx: ToolContext) -> Any:
        """Run the call; return JSON-serialisable output or raise a `ToolError`."""
        ...


class ToolRegistry(Protocol):
    def get(self, name: str) -> Tool: ...
