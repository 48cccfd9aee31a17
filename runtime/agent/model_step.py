"""One model turn of the loop: the call through the router (retries, fallbacks, cache),
its `model.delta` / `model.completed` events, a `model` span per attempt, and its cost."""
from __future__ import annotations

import concurrent.futures
import contextvars
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from runtime.agent.context import AgentContext
from runtime.agent.spec import AgentSpec
from runtime.errors import Cancelled, PlatformError
from runtime.events import traced
from runtime.models.base import ChatModel, DeltaCallback, Message, ModelRequest, ModelResponse, ToolSchema, Usage
from runtime.models.pricing import PriceTable
from runtime.store import CancelToken, NeverCancelled

T = TypeVar("T")


@dataclass
class ModelTurn:
    """The answer of one model turn, the ref that gave it and what it cost."""

    response: ModelResponse
    ref: str
    cost_usd: float
    cached: bool = False


def estimate_tokens(messages: list[Message]) -> int:
    """A cheap upper-ish estimate of prompt tokens (about 4 characters a token)."""
    chars = sum(len(m.content or "") + sum(len(json.dumps(c.arguments)) for c in m.tool_calls) for m in messages)
    return chars // 4 + 4 * len(messages)


def _completed_data(ref: str, response: ModelResponse, cost: float, latency_ms: float, cached: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "model": ref, "usage": {"input_tokens": response.usage.input_tokens,
                                "output_tokens": response.usage.output_tokens},
        "cost_usd": cost, "latency_ms": latency_ms, "finish_reason": response.finish_reason,
    }
    if response.text:
        data["text"] = response.text
    if response.tool_calls:
        data["tool_calls"] = [{"id": c.id, "name": c.name, "arguments": c.arguments} for c in response.tool_calls]
    if cached:
        data["cached"] = True
    return data


def interruptible(fn: Callable[[], T], cancel: CancelToken, poll_s: float = 0.05) -> T:
    """Run a blocking call so that cancellation (or a run deadline the token applies) stops
    the wait promptly, even inside a long model call. The abandoned call finishes on its own
    thread; anything it then writes is fenced off by the run's lease."""
    if isinstance(cancel, NeverCancelled):
        return fn()
    future = _calls().submit(contextvars.copy_context().run, fn)  # the run's log redactor follows
    while True:
        try:
            return future.result(timeout=poll_s)
        except concurrent.futures.TimeoutError:
            if future.done():  # the call itself raised a TimeoutError
                return future.result()
            if cancel.is_cancelled():
                raise Cancelled("the run was cancelled during a model call") from None


_pool: concurrent.futures.ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _calls() -> concurrent.futures.ThreadPoolExecutor:
    """A process-wide pool for model calls (starting a thread per call costs more than the call
    itself for fast models); abandoned calls finish on their pool thread."""
    global _pool
    if _pool is None:
        with _pool_lock:
            if _pool is None:
                _pool = concurrent.futures.ThreadPoolExecutor(max_workers=64, thread_name_prefix="model-call")
    return _pool


def model_retry_data(ref: str, attempt: int, exc: BaseException, delay_s: float) -> dict[str, Any]:
    """The data of a `model.retry` event: which model, the failed attempt, its error code and
    message, and the wait before the next attempt."""
    code = exc.code if isinstance(exc, PlatformError) else type(exc).__name__
    message = exc.message if isinstance(exc, PlatformError) else str(exc)
    return {"model": ref, "attempt": attempt, "error": code, "message": message[:500], "delay_s": round(delay_s, 3)}


class ModelCaller:
    """Calls the agent's model refs for one run and reports each attempt."""

    def __init__(self, spec: AgentSpec, ctx: AgentContext, prices: PriceTable, tools: list[ToolSchema],
                 stream_deltas: bool) -> None:
        self.spec = spec
        self.ctx = ctx
        self.prices = prices
        self.tools = tools
        self.stream_deltas = stream_deltas

    def call(self, messages: list[Message], *, turn: int, timeout_s: float, deadline: float) -> ModelTurn:
        """The model's answer for this turn; raises the last ModelError if every ref failed."""
        spec, ctx = self.spec, self.ctx
        request = ModelRequest(model="", messages=list(messages), tools=self.tools, response_format=spec.output_schema,
                               temperature=spec.temperature, max_tokens=spec.limits.max_output_tokens,
                               timeout_s=timeout_s, metadata={"run_id": ctx.run_id, "turn": turn})
        routed = interruptible(lambda: ctx.router.complete_with_fallbacks(
            spec.model_refs, request, policy=spec.retry, run_attempt=self._attempt,
            cache=ctx.cache if spec.response_cache else None, cache_ttl_s=spec.cache_ttl_s,
            sleep=ctx.sleep, clock=ctx.clock, rng=ctx.rng, deadline=deadline, cancel=ctx.cancel,
            on_retry=self._report_retry), ctx.cancel)
        if routed.cached:
            self._report_cached(routed.ref, routed.response)
            return ModelTurn(routed.response, routed.ref, 0.0, cached=True)
        return ModelTurn(routed.response, routed.ref, self.prices.cost(routed.ref, routed.response.usage))

    def _attempt(self, ref: str, model: ChatModel, request: ModelRequest, on_delta: DeltaCallback | None,
                 attempt: int) -> ModelResponse:
        ctx = self.ctx
        with traced(ctx.tracer, "model", ref, parent_id=ctx.parent_span_id,
                    attributes={"attempt": attempt, "turn": request.metadata["turn"]}) as span:
            emit = ctx.sink.emit
            node_id, span_id = ctx.node_id, span.id

            cancel = ctx.cancel

            def delta(text: str) -> None:
                if cancel.is_cancelled():  # abort a streaming answer at once
                    raise Cancelled("the run was cancelled while the model was answering")
                emit("model.delta", {"text": text}, node_id=node_id, span_id=span_id)

            started = time.monotonic()
            response = model.complete(request, delta if self.stream_deltas else None)
            latency_ms = round((time.monotonic() - started) * 1000, 3)
            cost = self.prices.cost(ref, response.usage)
            span.input_tokens, span.output_tokens, span.cost_usd = (
                response.usage.input_tokens, response.usage.output_tokens, cost)
            span.attributes["finish_reason"] = response.finish_reason
            span.attributes["response_model"] = response.model  # gen_ai.response.model
            emit("model.completed", _completed_data(ref, response, cost, latency_ms, False),
                 node_id=node_id, span_id=span_id)
            return response

    def _report_retry(self, ref: str, attempt: int, exc: BaseException, delay_s: float) -> None:
        """`model.retry`: attempt `attempt` on `ref` failed with a retryable error; the next follows
        after `delay_s` (on the run's event stream like every other step)."""
        self.ctx.sink.emit("model.retry", model_retry_data(ref, attempt, exc, delay_s), node_id=self.ctx.node_id)

    def _report_cached(self, ref: str, response: ModelResponse) -> None:
        ctx = self.ctx
        with traced(ctx.tracer, "model", ref, parent_id=ctx.parent_span_id, attributes={"cached": True}) as span:
            if self.stream_deltas and response.text:
                ctx.sink.emit("model.delta", {"text": response.text}, node_id=ctx.node_id, span_id=span.id)
            free = ModelResponse(response.text, response.tool_calls, Usage(), response.model, response.finish_reason)
            ctx.sink.emit("model.completed", _completed_data(ref, free, 0.0, 0.0, True),
                          node_id=ctx.node_id, span_id=span.id)
