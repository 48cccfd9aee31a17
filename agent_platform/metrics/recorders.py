"""The hooks, one line at each place that knows: a worker's claim of a run (lifecycle.claim_and_start),
a terminal transition with its event (lifecycle.transition) and the end of a span (RunStore.end_span).

None of them may fail the run: a metric that cannot be recorded is logged and dropped.
"""
from __future__ import annotations

import logging
from datetime import datetime

from agent_platform.metrics import instruments as m
from agent_platform.metrics import labels

logger = logging.getLogger(__name__)


def run_claimed(cursor, run_id: str, *, first_start: bool, labels_row=None) -> None:
    """A worker took the run: remember its labels here (its spans end in this process); count a first start.
    `labels_row`: the label columns (`labels.fetch`'s first six) when the claim statement read them."""
    try:
        found = labels.fetch(cursor, run_id) if labels_row is None else (labels.from_row(run_id, labels_row),)
        if found and first_start:
            _inc(m.runs_started, "platform_runs_started", found[0].labels)
    except Exception:  # noqa: BLE001 - metrics never fail a run
        logger.warning("metrics: could not record the start of %s", run_id, exc_info=True)


def run_finished(cursor, run_id: str, status: str, *, times: tuple | None = None) -> None:
    """The run reached `status` (terminal): count it and observe its duration. With `times`
    (started_at, finished_at) and the labels remembered at the claim, nothing is read."""
    try:
        context = labels.cached(run_id) if times is not None else None
        found = (context, *times) if context is not None else labels.fetch(cursor, run_id)
        labels.forget(run_id)
        if found is None:
            return
        context, started_at, finished_at = found
        finished = {**context.labels, "model": context.model, "status": status}
        _inc(m.runs_finished, "platform_runs_finished", finished)
        if isinstance(started_at, datetime) and isinstance(finished_at, datetime):
            observed = labels.bounded("platform_run_duration_seconds", {**context.labels, "status": status})
            m.run_duration.labels(**observed).observe(max(0.0, (finished_at - started_at).total_seconds()))
    except Exception:  # noqa: BLE001 - metrics never fail a run
        logger.warning("metrics: could not record the end of %s", run_id, exc_info=True)


def span_ended(run_id: str, span) -> None:
    """A model call, tool call or retrieval of the run ended (a PendingSpan)."""
    try:
        context = labels.cached(run_id) or _lookup(run_id)
        if context is None:
            return
        seconds = (span.duration_ms or 0.0) / 1000
        error_type = str((span.error or {}).get("type", "error")) if span.status != "ok" else ""
        if span.kind == "model":
            _model_call(context, span, seconds, error_type)
        elif span.kind == "tool":
            observed = labels.bounded("platform_tool_call_duration_seconds",
                                      {"tool": span.name, "status": "error" if error_type else "ok", **context.labels})
            m.tool_duration.labels(**observed).observe(seconds)
            if error_type:
                _inc(m.tool_errors, "platform_tool_call_errors",
                     {"tool": span.name, "error_type": error_type, **context.labels})
        elif span.kind == "retrieval":
            base = str(span.attributes.get("knowledge_base", span.name))
            observed = labels.bounded("platform_retrieval_duration_seconds",
                                      {"knowledge_base": base, "status": "error" if error_type else "ok",
                                       **context.labels})
            m.retrieval_duration.labels(**observed).observe(seconds)
    except Exception:  # noqa: BLE001 - metrics never fail a run
        logger.warning("metrics: could not record a span of %s", run_id, exc_info=True)


def _model_call(context: labels.RunContext, span, seconds: float, error_type: str) -> None:
    provider, model = labels.split_model_ref(span.name)
    gen_ai = {"gen_ai_operation_name": "chat", "gen_ai_provider_name": provider, "gen_ai_request_model": model}
    observed = labels.bounded("gen_ai_client_operation_duration_seconds",
                              {**gen_ai, "error_type": error_type, **context.labels})
    m.gen_ai_duration.labels(**observed).observe(seconds)
    for token_type, tokens in (("input", span.input_tokens), ("output", span.output_tokens)):
        if tokens:
            observed = labels.bounded("gen_ai_client_token_usage",
                                      {**gen_ai, "gen_ai_token_type": token_type, **context.labels})
            m.gen_ai_tokens.labels(**observed).observe(tokens)
    if span.cost_usd:
        observed = labels.bounded("platform_cost_usd", {**context.labels, "model": span.name})
        m.cost.labels(**observed).inc(span.cost_usd)


def _inc(counter, family: str, values: dict[str, str]) -> None:
    counter.labels(**labels.bounded(family, values)).inc()


def _lookup(run_id: str) -> labels.RunContext | None:
    """A span of a run this process did not claim (rare: tests, tools): read its labels once."""
    from runs.db import writer

    with writer() as cursor:
        found = labels.fetch(cursor, run_id)
    return found[0] if found else None
