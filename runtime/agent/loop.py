"""The agent loop: plan/act turns until the model answers, within the spec's limits.

    state = fold(checkpoints)  or  start (input guardrails, initial messages)
    repeat, checking cancellation and wall time between steps:
        pending tool calls → run them (parallel), feed results back   → checkpoint turn:<n>
        otherwise          → call the model (retries, fallbacks)
                             tool calls → checkpoint turn:<n>:model
                             an answer  → validate (one repair turn) → output guardrails
                                          → checkpoint turn:<n> (final) → return

Errors are the typed ones of `runtime.errors`; the Django executor turns them into the run's
terminal event. Run-level events (`run.started`, ...) are the executor's, not the loop's.
"""
from __future__ import annotations

import json
from typing import Any

from runtime.agent.context import AgentContext
from runtime.agent.model_step import ModelCaller, ModelTurn, estimate_tokens
from runtime.agent.spec import AgentResult, AgentSpec
from runtime.agent.state import LoopState, fold
from runtime.agent.structured_output import parse_answer, repair_prompt
from runtime.agent.tool_step import ToolRunner
from runtime.errors import (
    AgentSpecInvalid,
    BudgetExceeded,
    Cancelled,
    GuardrailBlocked,
    InputInvalid,
    ModelError,
    OutputInvalid,
    RunTimedOut,
    StepLimitExceeded,
    TooManyToolErrors,
)
from runtime.guardrails import apply_guardrails, build_guardrails
from runtime.models.base import Message, ModelResponse, ToolSchema, Usage
from runtime.tools.base import Tool


def run_agent(spec: AgentSpec, input: dict[str, Any], *, ctx: AgentContext) -> AgentResult:
    """Run (or resume, if checkpoints exist for `ctx.run_id`) an agent to its answer."""
    return AgentRun(spec, ctx).run(input)


def _offered_tools(spec: AgentSpec, available: dict[str, Tool]) -> dict[str, Tool]:
    if not spec.tools:
        return dict(available)
    missing = [name for name in spec.tools if name not in available]
    if missing:
        raise AgentSpecInvalid(f"the agent uses tools that are not available: {', '.join(missing)}")
    return {name: available[name] for name in spec.tools}


def _initial_messages(spec: AgentSpec, input: dict[str, Any], message: str) -> list[dict[str, Any]]:
    history = input.get("messages") or []
    if not isinstance(history, list) or not all(isinstance(m, dict) and "role" in m for m in history):
        raise InputInvalid("input.messages must be a list of {role, content} objects")
    system = [{"role": "system", "content": spec.instructions}] if spec.instructions else []
    return [*system, *({"role": m["role"], "content": m.get("content")} for m in history),
            {"role": "user", "content": message}]


class AgentRun:
    """One run of an agent: derived settings plus the steps of the loop."""

    def __init__(self, spec: AgentSpec, ctx: AgentContext) -> None:
        self.spec, self.ctx = spec, ctx
        self.guardrails = build_guardrails(spec.guardrails)
        self.tools = _offered_tools(spec, dict(ctx.tools))
        schemas = [ToolSchema(t.spec.name, t.spec.description, t.spec.input_schema) for t in self.tools.values()]
        # Deltas would leak what an output guardrail is about to redact or block.
        stream = not any("output" in g.stages for g in self.guardrails)
        self.models = ModelCaller(spec, ctx, ctx.router.prices, schemas, stream_deltas=stream)
        self.deadline = ctx.deadline if ctx.deadline is not None else ctx.clock() + spec.limits.timeout_s
        self.tool_runner = ToolRunner(ctx, self.tools, self.deadline)

    def run(self, input: dict[str, Any]) -> AgentResult:
        """Fold the run's checkpoints (or start it), then take steps until an answer or a handoff."""
        state = fold(self.ctx.checkpoints.load_checkpoints(self.ctx.run_id))
        resumed_from = 0 if state is None else state.completed_turn
        if state is None:
            state = self._start(input)
        while state.output is None and state.handoff is None:
            self._check_between_steps()
            if state.pending:
                self._run_tools(state)
            else:
                self._model_turn(state)
        output = state.output if state.output is not None else {"text": state.last_text}
        text = output.get("text", state.last_text) if isinstance(output, dict) else state.last_text
        return AgentResult(output=output, text=text,
                           usage=state.usage, cost_usd=state.cost_usd, steps=state.steps, model=state.model,
                           messages=state.messages, handoff=state.handoff, resumed_from_turn=resumed_from)

    # --- steps -----------------------------------------------------------------------------
    def _start(self, input: dict[str, Any]) -> LoopState:
        message = input.get("message") if isinstance(input, dict) else None
        if not isinstance(message, str):
            raise InputInvalid("input.message must be a string", field="message")
        message = apply_guardrails(self.guardrails, message, stage="input", sink=self.ctx.sink,
                                   node_id=self.ctx.node_id)
        state = LoopState()
        self._commit(state, "turn:0", {"kind": "start", "messages": _initial_messages(self.spec, input, message)})
        return state

    def _model_turn(self, state: LoopState) -> None:
        self._check_budget_before(state)
        turn = state.turn + 1
        remaining = self.deadline - self.ctx.clock()
        try:
            result = self.models.call(state.messages, turn=turn, deadline=self.deadline,
                                      timeout_s=max(0.001, min(self.spec.limits.call_timeout_s, remaining)))
        except ModelError as exc:
            self._check_between_steps(cause=exc)
            raise
        self._count(state, turn, result)
        response = result.response
        if response.tool_calls:
            assistant = Message("assistant", response.text or None, response.tool_calls)
            self._commit(state, f"turn:{turn}:model", {"kind": "model", "messages": [assistant.to_dict()]})
            self._check_budget_after(state)
        else:
            self._check_budget_after(state)
            self._answer(state, turn, response)

    def _run_tools(self, state: LoopState) -> None:
        batch = self.tool_runner.run(state.pending, state.turn)
        state.tool_errors += batch.errors
        delta = {"kind": "tools", "messages": [m.to_dict() for m in batch.messages], "handoff": batch.handoff}
        self._commit(state, f"turn:{state.turn}", delta)
        if state.tool_errors > self.spec.limits.max_tool_errors:
            raise TooManyToolErrors(f"{state.tool_errors} tool calls failed; the agent allows "
                                    f"{self.spec.limits.max_tool_errors}", tool_errors=state.tool_errors)

    def _answer(self, state: LoopState, turn: int, response: ModelResponse) -> None:
        text, output = response.text, None
        schema = self.spec.output_schema
        if schema is not None:
            value, errors = parse_answer(text, schema)
            if errors and state.repairs < 1:
                state.repairs += 1
                self._commit(state, f"turn:{turn}", {"kind": "repair", "messages": [
                    {"role": "assistant", "content": text}, {"role": "user", "content": repair_prompt(errors, schema)}]})
                return
            if errors:
                raise OutputInvalid("the answer does not match the output schema, also after one repair turn",
                                    errors=errors)
            output = value
        text, output = self._guard_output(text, output)
        self._commit(state, f"turn:{turn}", {"kind": "final", "messages": [{"role": "assistant", "content": text}],
                                             "output": output if output is not None else {"text": text}})

    def _guard_output(self, text: str, value: Any) -> tuple[str, Any]:
        if not self.guardrails:
            return text, value
        if value is None:
            return apply_guardrails(self.guardrails, text, stage="output", sink=self.ctx.sink,
                                    node_id=self.ctx.node_id), None
        guarded = apply_guardrails(self.guardrails, json.dumps(value), stage="output", sink=self.ctx.sink,
                                   node_id=self.ctx.node_id)
        try:
            return guarded, json.loads(guarded)
        except json.JSONDecodeError as exc:
            raise GuardrailBlocked("an output guardrail's rewrite left the structured output unreadable") from exc

    # --- bookkeeping -----------------------------------------------------------------------
    def _commit(self, state: LoopState, key: str, delta: dict[str, Any]) -> None:
        """Write a checkpoint delta and apply it to the live state (the same fold as resume)."""
        if delta["kind"] != "start":
            delta.update(state.totals())
        self.ctx.checkpoints.append_checkpoint(self.ctx.run_id, key, delta)
        state.apply(delta)

    def _count(self, state: LoopState, turn: int, result: ModelTurn) -> None:
        state.turn, state.model = turn, result.ref
        state.steps += 1
        state.usage = state.usage + (Usage() if result.cached else result.response.usage)
        state.cost_usd += result.cost_usd
        if self.ctx.spend is not None and not result.cached:
            usage = result.response.usage
            self.ctx.spend.charge(usage.input_tokens + usage.output_tokens, result.cost_usd)

    def _check_between_steps(self, cause: BaseException | None = None) -> None:
        if self.ctx.cancel.is_cancelled():
            raise Cancelled("the run was cancelled") from cause
        if self.ctx.clock() >= self.deadline:
            raise RunTimedOut(f"the run passed its time limit of {self.spec.limits.timeout_s}s") from cause

    def _check_budget_before(self, state: LoopState) -> None:
        limits = self.spec.limits
        if not state.awaiting_repair and state.steps >= limits.max_steps:
            raise StepLimitExceeded(f"the agent took {state.steps} steps without answering "
                                    f"(max_steps={limits.max_steps})", steps=state.steps)
        if limits.max_tokens is not None and state.usage.input_tokens + state.usage.output_tokens >= limits.max_tokens:
            raise self._budget_error(state, "tokens")
        if limits.max_cost_usd is not None:
            estimate = self.ctx.router.prices.cost(self.spec.model, Usage(estimate_tokens(state.messages), 0))
            if state.cost_usd + estimate > limits.max_cost_usd:
                raise self._budget_error(state, "cost", estimated_next_call_usd=estimate)
        if self.ctx.spend is not None:  # the project's / API key's budget, shared with other runs
            next_tokens = estimate_tokens(state.messages)
            self.ctx.spend.ensure(next_tokens, self.ctx.router.prices.cost(self.spec.model, Usage(next_tokens, 0)))

    def _check_budget_after(self, state: LoopState) -> None:
        limits = self.spec.limits
        if self.ctx.spend is not None:
            self.ctx.spend.ensure()
        if limits.max_cost_usd is not None and state.cost_usd > limits.max_cost_usd:
            raise self._budget_error(state, "cost")
        if limits.max_tokens is not None and state.usage.input_tokens + state.usage.output_tokens > limits.max_tokens:
            raise self._budget_error(state, "tokens")

    def _budget_error(self, state: LoopState, what: str, **details: Any) -> BudgetExceeded:
        limits = self.spec.limits
        cap = limits.max_cost_usd if what == "cost" else limits.max_tokens
        return BudgetExceeded(f"the run would pass its {what} budget ({cap})", budget=what, limit=cap,
                              cost_usd=round(state.cost_usd, 8), input_tokens=state.usage.input_tokens,
                              output_tokens=state.usage.output_tokens, **details)
