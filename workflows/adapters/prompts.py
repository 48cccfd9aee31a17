"""`PromptModel` for Prompt nodes: one call through the project's model router (`runs.model_config.
router_for`: provider keys from secrets, retries, price table), traced as a `model` span with tokens and
cost, reported as `model.completed`; streamed text goes to the node's `model.delta` events."""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from runs.model_config import router_for
from runtime.agent.model_step import interruptible, model_retry_data
from runtime.agent.structured_output import parse_answer
from runtime.errors import NodeOutputInvalid
from runtime.events import NullTracer, traced
from runtime.graph import ServiceContext
from runtime.models.base import ChatModel, DeltaCallback, Message, ModelRequest, ModelResponse

CALL_TIMEOUT_S = 120.0


class RouterPromptModel:
    def __init__(self, project, *, secrets: dict[str, str], default_deadline: float | None) -> None:
        self.project = project
        self.secrets = secrets
        self.default_deadline = default_deadline

    def complete(self, model_ref: str, messages: list[dict[str, Any]], *, output_schema: dict[str, Any] | None,
                 on_delta: Callable[[str], None] | None, ctx: ServiceContext,
                 options: dict[str, Any] | None = None) -> dict[str, Any]:
        """`{"text", "usage"}`, or `{"output", "usage"}` (the parsed JSON answer) with an output schema."""
        router = router_for(self.project, {"model": model_ref}, self.secrets)
        options = options or {}
        deadline = ctx.deadline if ctx.deadline is not None else self.default_deadline
        timeout = CALL_TIMEOUT_S if deadline is None else max(0.001, min(CALL_TIMEOUT_S, deadline - time.monotonic()))
        request = ModelRequest(model="", messages=[Message(m["role"], m["content"]) for m in messages],
                               response_format=output_schema, temperature=options.get("temperature"),
                               max_tokens=options.get("max_tokens"), timeout_s=timeout,
                               metadata={"run_id": ctx.idempotency_key, "turn": 1})
        routed = interruptible(lambda: router.complete_with_fallbacks(
            [model_ref], request, on_delta, run_attempt=_traced_attempt(ctx, router.prices.cost),
            deadline=deadline, cancel=ctx.cancel, on_retry=_retry_reporter(ctx)), ctx.cancel)
        response = routed.response
        usage = {"input_tokens": response.usage.input_tokens, "output_tokens": response.usage.output_tokens,
                 "cost_usd": router.prices.cost(routed.ref, response.usage)}
        if output_schema is None:
            return {"text": response.text, "usage": usage}
        value, errors = parse_answer(response.text, output_schema)
        if errors:
            raise NodeOutputInvalid(f"the model's answer does not match the output schema: {'; '.join(errors)}",
                                    errors=errors)
        return {"output": value, "usage": usage}


def _retry_reporter(ctx: ServiceContext) -> Callable[[str, int, BaseException, float], None]:
    """`model.retry` on the node's events before each retried attempt."""
    def report(ref: str, attempt: int, exc: BaseException, delay_s: float) -> None:
        if ctx.sink is not None:
            ctx.sink.emit("model.retry", model_retry_data(ref, attempt, exc, delay_s), node_id=ctx.node_id)
    return report


def _traced_attempt(ctx: ServiceContext, cost: Callable[..., float]):
    """The router's per-attempt hook: one `model` span (tokens, cost) and a `model.completed` event each."""
    def attempt(ref: str, model: ChatModel, request: ModelRequest, on_delta: DeltaCallback | None,
                number: int) -> ModelResponse:
        with traced(ctx.tracer or NullTracer(), "model", ref, parent_id=ctx.span_id,
                    attributes={"attempt": number}) as span:
            started = time.monotonic()
            response = model.complete(request, on_delta)
            span.input_tokens, span.output_tokens = response.usage.input_tokens, response.usage.output_tokens
            span.cost_usd = cost(ref, response.usage)
            span.attributes["finish_reason"] = response.finish_reason
            span.attributes["response_model"] = response.model  # gen_ai.response.model
            if ctx.sink is not None:
                ctx.sink.emit("model.completed", {
                    "model": ref, "text": response.text, "finish_reason": response.finish_reason,
                    "usage": {"input_tokens": span.input_tokens, "output_tokens": span.output_tokens},
                    "cost_usd": span.cost_usd, "latency_ms": round((time.monotonic() - started) * 1000, 3)},
                    node_id=ctx.node_id, span_id=span.id)
            return response
    return attempt
