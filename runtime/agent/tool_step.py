"""The tool half of a turn: run the calls the model asked for (in parallel when there are
several), each through `call_tool` with a stable idempotency key, and turn the outcomes
into tool-result messages in call order. Tool failures become `{"error": {...}}` results
for the model; a `Handoff` ends the batch; other control flow propagates."""
from __future__ import annotations

import contextvars
import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from runtime.agent.context import AgentContext
from runtime.errors import Handoff, PlatformError, ToolNotFound
from runtime.models.base import Message, ToolCall
from runtime.tools.base import Tool, ToolContext
from runtime.tools.executor import ToolOutcome, call_tool

MAX_PARALLEL_CALLS = 8


@dataclass
class ToolBatch:
    """Tool-result messages of one turn (in call order), how many failed, and a handoff if any."""

    messages: list[Message]
    errors: int
    handoff: dict[str, Any] | None = None


def call_key(run_id: str, turn: int, index: int) -> str:
    """The idempotency key of a call: stable across attempts and resumes of the run."""
    return f"{run_id}:turn{turn}:call{index}"


def _content(outcome: ToolOutcome) -> str:
    if outcome.error is not None:
        return json.dumps({"error": outcome.error})
    return outcome.output if isinstance(outcome.output, str) else json.dumps(outcome.output)


class ToolRunner:
    """Runs one turn's tool calls for a run."""

    def __init__(self, ctx: AgentContext, tools: dict[str, Tool], deadline: float) -> None:
        self.ctx = ctx
        self.tools = tools
        self.deadline = deadline  # in ctx.clock() time

    def run(self, calls: list[ToolCall], turn: int) -> ToolBatch:
        """Outcomes in call order; raises the first control-flow error (in call order) after
        every call of the batch has finished, so finished calls are recorded either way."""
        if len(calls) == 1:
            results: list[ToolOutcome | BaseException] = [self._safe_call(calls[0], turn, 0)]
        else:
            with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL_CALLS, len(calls)),
                                    thread_name_prefix="agent-tools") as pool:
                futures = [pool.submit(contextvars.copy_context().run, self._safe_call, call, turn, i)
                           for i, call in enumerate(calls)]
                results = [f.result() for f in futures]
        handoff = None
        for result in results:
            if isinstance(result, Handoff):
                handoff = handoff or {"target": result.target, "payload": result.payload}
            elif isinstance(result, BaseException):
                raise result
        messages, errors = [], 0
        for call, result in zip(calls, results):
            if isinstance(result, Handoff):
                content = json.dumps({"handoff": {"target": result.target}})
            else:
                assert isinstance(result, ToolOutcome)
                errors += 0 if result.ok else 1
                content = _content(result)
            messages.append(Message(role="tool", content=content, tool_call_id=call.id, name=call.name))
        return ToolBatch(messages, errors, handoff)

    def _safe_call(self, call: ToolCall, turn: int, index: int) -> ToolOutcome | BaseException:
        try:
            return self._call(call, turn, index)
        except PlatformError as exc:  # control flow (waiting, handoff, cancelled): decided by run()
            return exc

    def _call(self, call: ToolCall, turn: int, index: int) -> ToolOutcome:
        ctx = self.ctx
        key = call_key(ctx.run_id, turn, index)
        tool = self.tools.get(call.name)
        if tool is None:
            return self._unknown_tool(call)
        remaining = self.deadline - ctx.clock()
        tool_ctx = ToolContext(idempotency_key=key, run_id=ctx.run_id, project_id=ctx.project_id,
                               secrets=ctx.secrets, deadline=time.monotonic() + max(0.0, remaining),
                               cancel=ctx.cancel, services=ctx.services)
        return call_tool(tool, call.arguments, key=key, ctx=tool_ctx, ledger=ctx.ledger, sink=ctx.sink,
                         tracer=ctx.tracer, parent_span_id=ctx.parent_span_id, node_id=ctx.node_id,
                         call_id=call.id)

    def _unknown_tool(self, call: ToolCall) -> ToolOutcome:
        exc = ToolNotFound(f"no tool named {call.name!r}; available: {', '.join(sorted(self.tools)) or 'none'}")
        outcome = ToolOutcome(error=exc.to_dict(), exception=exc)
        self.ctx.sink.emit("tool.completed", {"tool": call.name, "call_id": call.id, "error": outcome.error,
                                              "latency_ms": 0.0, "cached": False}, node_id=self.ctx.node_id)
        return outcome
