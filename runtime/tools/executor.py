"""The one place a tool call runs: used by the agent loop, workflow Tool nodes and the playground.

`call_tool` validates the input, returns a recorded result for the idempotency key instead
of calling again, asks for approval when the tool requires it, refuses to re-run a
side-effecting call whose earlier attempt may have had its effect, bounds the call by the
tool's timeout (on a helper thread, cancelled at the timeout: `runtime.bounded_call`), retries retryable
failures (never side-effecting ones), validates the output, records the result, and reports
`tool.started` / `tool.completed` events and a `tool` span.

Tool failures come back as `ToolOutcome.error` (the agent feeds them to the model); control
flow (`WaitingForInput`, `Handoff`, `Cancelled` and other `RunAborted`) propagates.

Approval decisions are read from the ledger under `approval:<key>` as
`{"approved": bool, "reason": str}` (the resume API writes them).
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import jsonschema

from runtime.bounded_call import CallTimedOut, run_bounded
from runtime.errors import (
    Handoff,
    RunAborted,
    ToolError,
    ToolInputInvalid,
    ToolOutcomeUnknown,
    ToolOutputInvalid,
    ToolTimeout,
    WaitingForInput,
)
from runtime.events import EventSink, Tracer, traced
from runtime.jsonschema_validation import error_messages
from runtime.retry import Backoff, retry_call
from runtime.store import ToolCallLedger
from runtime.tools.base import Tool, ToolContext, ToolSpec

CONTROL_FLOW = (WaitingForInput, Handoff, RunAborted)


@dataclass
class ToolOutcome:
    """What a tool call came to: `output`, or `error` (a typed error as a dict); `cached` when
    the result was recorded earlier under the same idempotency key and the tool was not called."""

    output: Any = None
    error: dict[str, Any] | None = None
    cached: bool = False
    latency_ms: float = 0.0
    exception: ToolError | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.error is None

    def record(self) -> dict[str, Any]:
        """What the ledger stores for this call."""
        return {"error": self.error} if self.error is not None else {"output": self.output}

    def raise_for_error(self) -> Any:
        """The output, or the call's typed error raised (workflow nodes use this)."""
        if self.error is None:
            return self.output
        raise self.exception or ToolError(self.error.get("message", "tool failed"), recorded=self.error)


def call_tool(tool: Tool, input: dict[str, Any], *, key: str, ctx: ToolContext, ledger: ToolCallLedger,
              sink: EventSink, tracer: Tracer, parent_span_id: str | None = None, node_id: str | None = None,
              call_id: str | None = None, sleep: Callable[[float], None] = time.sleep) -> ToolOutcome:
    """Run one tool call exactly once per idempotency `key` (see the module docstring)."""
    spec = tool.spec
    call_id = call_id or key
    if spec.requires_approval and ledger.get_result(key) is None and ledger.get_result(f"approval:{key}") is None:
        # Ask before the call "starts": a pause leaves no tool.started without its tool.completed.
        _require_approval(spec, input, key=key, ledger=ledger, sink=sink, node_id=node_id, call_id=call_id)
    with traced(tracer, "tool", spec.name, parent_id=parent_span_id,
                attributes={"call_id": call_id, "key": key}) as span:
        sink.emit("tool.started", {"tool": spec.name, "call_id": call_id, "input": input},
                  node_id=node_id, span_id=span.id)
        started = time.monotonic()
        outcome = _outcome(tool, input, key=key, ctx=ctx, ledger=ledger, sink=sink, node_id=node_id,
                           call_id=call_id, sleep=sleep)
        outcome.latency_ms = round((time.monotonic() - started) * 1000, 3)
        span.attributes["cached"] = outcome.cached
        if outcome.error is not None:
            span.status, span.error = "error", outcome.error
        result = {"error": outcome.error} if outcome.error is not None else {"output": outcome.output}
        sink.emit("tool.completed", {"tool": spec.name, "call_id": call_id, **result,
                                     "latency_ms": outcome.latency_ms, "cached": outcome.cached},
                  node_id=node_id, span_id=span.id)
    return outcome


def _outcome(tool: Tool, input: dict[str, Any], *, key: str, ctx: ToolContext, ledger: ToolCallLedger,
             sink: EventSink, node_id: str | None, call_id: str, sleep: Callable[[float], None]) -> ToolOutcome:
    spec = tool.spec
    try:
        errors = error_messages(spec.input_schema, input)
    except jsonschema.SchemaError as exc:
        errors = [f"the tool's input schema is invalid: {exc.message}"]
    if errors:
        invalid = ToolInputInvalid(f"input does not match the input schema of {spec.name}", errors=errors)
        return ToolOutcome(error=invalid.to_dict(), exception=invalid)
    recorded = ledger.get_result(key)
    if recorded is not None:
        return ToolOutcome(output=recorded.get("output"), error=recorded.get("error"), cached=True)
    try:
        if spec.requires_approval:  # decided by now: a rejection becomes the call's tool error
            _require_approval(spec, input, key=key, ledger=ledger, sink=sink, node_id=node_id, call_id=call_id)
        if spec.side_effect == "side_effecting" and not ledger.record_intent(key):
            raise ToolOutcomeUnknown(f"{spec.name} was started before and its outcome is unknown; "
                                     "not running a side-effecting call twice", key=key)
        output = _run_with_retries(tool, input, ctx, sleep)
        _check_output(spec, output)
        outcome = ToolOutcome(output=output)
    except ToolError as exc:
        outcome = ToolOutcome(error=exc.to_dict(), exception=exc)
    ledger.record_result(key, outcome.record())
    return outcome


def _require_approval(spec: ToolSpec, input: dict[str, Any], *, key: str, ledger: ToolCallLedger,
                      sink: EventSink, node_id: str | None, call_id: str) -> None:
    decision = ledger.get_result(f"approval:{key}")
    if decision is None:
        prompt = {"tool": spec.name, "input": input, "key": key, "call_id": call_id}
        sink.emit("tool.approval_requested", prompt, node_id=node_id)
        raise WaitingForInput("tool_approval", prompt=prompt)
    if not decision.get("approved"):
        raise ToolError(f"rejected by reviewer: {decision.get('reason') or 'no reason given'}", key=key)


def _run_with_retries(tool: Tool, input: dict[str, Any], ctx: ToolContext, sleep: Callable[[float], None]) -> Any:
    spec = tool.spec
    attempts = 1 if spec.side_effect == "side_effecting" else max(1, spec.retry.max_attempts)
    policy = Backoff(max_attempts=attempts, base_s=spec.retry.backoff_s, max_s=spec.retry.max_backoff_s)
    return retry_call(lambda _attempt: _invoke_bounded(tool, input, ctx), policy=policy, sleep=sleep,
                      deadline=ctx.deadline, cancel=ctx.cancel)


def _invoke_bounded(tool: Tool, input: dict[str, Any], ctx: ToolContext) -> Any:
    """One attempt on a helper thread (`runtime.bounded_call`); stop waiting at min(tool timeout,
    caller's deadline) and cancel the call's token then, so the tool stops its work too."""
    spec = tool.spec
    now = time.monotonic()
    deadline = min(now + spec.timeout_s, ctx.deadline if ctx.deadline is not None else float("inf"))
    if deadline <= now:
        raise ToolTimeout(f"{spec.name}: no time left before the deadline")
    try:
        return run_bounded(lambda token: tool.invoke(input, replace(ctx, deadline=deadline, cancel=token)),
                           deadline - now, name=f"tool-{spec.name}", cancel=ctx.cancel)
    except CallTimedOut:
        raise ToolTimeout(f"{spec.name} did not finish within {round(deadline - now, 3)}s") from None
    except (ToolError, *CONTROL_FLOW):
        raise
    except Exception as exc:  # noqa: BLE001 - any other failure of the tool becomes its typed error
        raise ToolError(f"{spec.name} raised {type(exc).__name__}: {exc}", exception=type(exc).__name__) from exc


def _check_output(spec: ToolSpec, output: Any) -> None:
    try:
        json.dumps(output)
    except (TypeError, ValueError) as exc:
        raise ToolOutputInvalid(f"{spec.name} returned output that is not JSON-serialisable: {exc}") from exc
    if spec.output_schema is not None:
        errors = error_messages(spec.output_schema, output)
        if errors:
            raise ToolOutputInvalid(f"output of {spec.name} does not match its output schema", errors=errors)
