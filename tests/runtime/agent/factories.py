"""Small factories for agent loop tests: tools, routers and contexts (plain functions)."""
from __future__ import annotations

import random
import threading
from collections.abc import Callable
from typing import Any

from runtime.agent.context import AgentContext
from runtime.agent.spec import AgentSpec, Limits
from runtime.events import CollectingSink, CollectingTracer
from runtime.models.base import ModelRequest
from runtime.models.router import ModelRouter
from runtime.models.scripted import ScriptedModel
from runtime.retry import Backoff
from runtime.tools.base import RetryPolicy, SideEffect, ToolContext, ToolSpec

NUMBERS = {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
           "required": ["a", "b"], "additionalProperties": False}
NO_RETRY = RetryPolicy()
FAST_RETRY = Backoff(max_attempts=3, base_s=0.001, max_s=0.004)


class FunctionTool:
    """A tool backed by a plain function; counts its invocations."""

    def __init__(self, name: str, fn: Callable[[dict[str, Any], ToolContext], Any], *,
                 input_schema: dict[str, Any] | None = None, output_schema: dict[str, Any] | None = None,
                 timeout_s: float = 5.0, retry: RetryPolicy = NO_RETRY, side_effect: SideEffect = "read_only",
                 requires_approval: bool = False) -> None:
        self.spec = ToolSpec(name=name, description=f"The {name} tool.",
                             input_schema=input_schema or {"type": "object"}, output_schema=output_schema,
                             timeout_s=timeout_s, retry=retry, side_effect=side_effect,
                             requires_approval=requires_approval)
        self.fn = fn
        self.calls: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def invoke(self, input: dict[str, Any], ctx: ToolContext) -> Any:
        with self._lock:
            self.calls.append(input)
        return self.fn(input, ctx)


def add_tool(**kwargs: Any) -> FunctionTool:
    return FunctionTool("add", lambda i, c: {"sum": i["a"] + i["b"]}, input_schema=NUMBERS, **kwargs)


def call(name: str, id: str | None = None, **arguments: Any) -> dict[str, Any]:
    """A scripted tool call entry."""
    return {"name": name, "arguments": arguments, **({"id": id} if id else {})}


class RecordingModel:
    """Wraps a ScriptedModel and keeps every request it was sent."""

    def __init__(self, turns: list[dict[str, Any]], **kwargs: Any) -> None:
        self.inner = ScriptedModel(turns, **kwargs)
        self.requests: list[ModelRequest] = []

    def complete(self, request: ModelRequest, on_delta: Any = None) -> Any:
        self.requests.append(request)
        return self.inner.complete(request, on_delta)


def router_with(**models: Any) -> ModelRouter:
    """A router whose `scripted/<name>` refs are the given models (lists become ScriptedModels)."""
    return ModelRouter(models={f"scripted/{name}": RecordingModel(m) if isinstance(m, list) else m
                               for name, m in models.items()})


def spec(model: str = "scripted/main", **kwargs: Any) -> AgentSpec:
    limits = kwargs.pop("limits", Limits(max_steps=5, timeout_s=10, call_timeout_s=5))
    return AgentSpec(instructions="You are a test agent.", model=model, limits=limits,
                     retry=kwargs.pop("retry", FAST_RETRY), **kwargs)


def context(router: ModelRouter, run_id: str = "run_1", **kwargs: Any) -> AgentContext:
    sleeps: list[float] = kwargs.pop("sleeps", [])
    return AgentContext(run_id=run_id, router=router, sink=kwargs.pop("sink", CollectingSink()),
                        tracer=kwargs.pop("tracer", CollectingTracer()), sleep=sleeps.append,
                        rng=random.Random(7), **kwargs)


def events(ctx: AgentContext, type: str | None = None) -> list[dict[str, Any]]:
    sink = ctx.sink
    assert isinstance(sink, CollectingSink)
    return [e for e in sink.events if type is None or e["type"] == type]
