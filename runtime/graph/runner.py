"""Running one node: its span, `node.started`/`node.failed` events, retries with backoff, and
timeouts. Returns an outcome for the scheduler, which settles it (checkpoint, routing)."""
from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from runtime.bounded_call import CallTimedOut, run_bounded
from runtime.errors import NodeTimeout, PlatformError, RunAborted, RunTimedOut, WaitingForInput
from runtime.events import Span
from runtime.graph.context import NodeContext, RunContext, ScopeWaiting
from runtime.retry import Backoff, pause, retry_call

if TYPE_CHECKING:
    from runtime.graph.compiled import CompiledNode

OK, FAILED, WAITING = "ok", "failed", "waiting"
Outcome = tuple[str, Any, "str | None", float]  # (kind, result | error | prompts, span id, latency ms)


def error_dict(exc: BaseException) -> dict[str, Any]:
    """The JSON form of any error, for events and state records."""
    if isinstance(exc, PlatformError):
        return exc.to_dict()
    return {"type": type(exc).__name__, "message": str(exc)[:500]}


def start_node(run: RunContext, node: CompiledNode, path: str, inputs: dict[str, Any],
               parent_span: str | None) -> Span:
    """Open the node's span and emit `node.started` (flushed at once for nodes that do I/O)."""
    span = run.tracer.start_span("node", path, parent_id=parent_span, attributes={"type": node.type})
    run.emit("node.started", {"type": node.type, "input": run.redact(inputs) if run.redact else inputs},
             path, span.id)
    if node.impl.does_io and run.flush is not None:
        with run.lock:
            run.flush()
    return span


def execute_node(run: RunContext, node: CompiledNode, path: str, inputs: dict[str, Any], scope: dict[str, Any],
                 span: Span, sources: list[str], run_body: Callable[..., Any]) -> Outcome:
    """Execute a started node with its policies. Never raises an `Exception`; returns the outcome."""
    ctx = NodeContext(run, path, scope, span.id, sources, run_body)
    started = time.perf_counter()
    try:
        node.impl.check_inputs(inputs)
        result = _attempts(run, node, inputs, ctx)
    except WaitingForInput as waiting:
        prompts = waiting.prompts if isinstance(waiting, ScopeWaiting) else [waiting.prompt]
        span.status = "waiting"
        run.tracer.end_span(span)
        run.emit("node.waiting", {"prompts": prompts}, path, span.id)
        return WAITING, prompts, span.id, 0.0
    except Exception as exc:  # noqa: BLE001 - any node error becomes a routable/failing outcome
        span.status = "error"
        span.error = error_dict(exc)
        run.tracer.end_span(span)
        if not isinstance(exc, RunAborted):
            run.emit("node.failed", {"error": span.error, "attempts": ctx.attempt}, path, span.id)
        return FAILED, exc, span.id, (time.perf_counter() - started) * 1000
    latency_ms = (time.perf_counter() - started) * 1000
    run.tracer.end_span(span)
    return OK, result, span.id, latency_ms


def _attempts(run: RunContext, node: CompiledNode, inputs: dict[str, Any], ctx: NodeContext) -> Any:
    """The node's attempts under its retry policy (`runtime.retry`: exponential, no jitter, a failure's
    `retry_after` as the floor); each retry is announced by `node.retrying`."""
    policy = node.retry

    def attempt(number: int) -> Any:
        ctx.attempt = number
        return _call(run, node, inputs, ctx)

    def announce(number: int, exc: BaseException, delay: float) -> None:
        run.emit("node.retrying", {"attempt": number, "error": error_dict(exc), "delay_s": delay},
                 ctx.path, ctx.span_id)

    def timed_out() -> BaseException:
        return RunTimedOut(f"run exceeded its time limit of {run.limits.timeout_s}s")

    backoff = Backoff(max_attempts=policy.max_attempts, base_s=policy.backoff_s, max_s=policy.max_backoff_s,
                      jitter=0.0, max_retry_after_s=float("inf"), retry_after="at_least")
    return retry_call(attempt, policy=backoff, retryable=lambda exc: _retryable(exc, node), on_retry=announce,
                      wait=functools.partial(pause, cancel=run.cancel, deadline=run.deadline, timed_out=timed_out))


def _retryable(exc: BaseException, node: CompiledNode) -> bool:
    """Only errors that say so are retried, and a timed-out side-effecting node never is; a pause
    for input or an aborted run is never a failure to retry."""
    if isinstance(exc, (WaitingForInput, RunAborted)):
        return False
    if isinstance(exc, NodeTimeout) and node.impl.side_effects:
        return False
    return bool(getattr(exc, "retryable", False))


def _call(run: RunContext, node: CompiledNode, inputs: dict[str, Any], ctx: NodeContext) -> Any:
    timeout = node.timeout_s
    run_bound = False
    if not node.inline and run.deadline is not None:
        remaining = run.deadline - time.monotonic()
        if timeout is None or remaining < timeout:
            timeout, run_bound = max(remaining, 0.0), True
    if timeout is None:
        return node.impl.execute(inputs, ctx)
    deadline = time.monotonic() + timeout
    try:
        # The attempt's own context: its services get the attempt's deadline and a token cancelled
        # at the timeout, so sandboxed code, HTTP and MCP calls stop when the node is given up on.
        return run_bounded(lambda token: node.impl.execute(inputs, ctx.for_attempt(deadline, token)), timeout,
                           name=f"node:{ctx.path}", cancel=run.cancel)
    except CallTimedOut:
        if run_bound:
            raise RunTimedOut(f"run exceeded its time limit of {run.limits.timeout_s}s during node {ctx.path}") \
                from None
        raise NodeTimeout(f"node {ctx.path} exceeded its timeout of {timeout}s", node=ctx.path,
                          timeout_s=timeout) from None
