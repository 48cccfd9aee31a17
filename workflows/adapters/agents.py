"""`AgentRunner` for Agent nodes: the agent loop (`runtime.agent.loop.run_agent`) with the same context
an agent run gets (`runs.agent_context`, and the version's attached knowledge via `runs.knowledge`), as
a sub-step of the workflow run.

The agent's checkpoints are namespaced under the node: its context's `run_id` is the node's
idempotency key (`<run id>:<node path>`), which the RunStore stores in the run's own checkpoint table
with a prefixed key, so a resumed workflow resumes the agent after its last completed turn. Handoffs
are offered as `transfer_to_<target>` tools that raise `Handoff`; the node then leaves by that port."""
from __future__ import annotations

import dataclasses
import re
from typing import Any

from agent_platform.thread_connections import closing_thread_connections
from runs.agent_context import agent_context
from runs.agent_engine import agent_input, agent_spec_dict
from runs.knowledge import with_knowledge
from runtime.agent.loop import run_agent
from runtime.agent.spec import AgentSpec
from runtime.errors import AgentSpecInvalid, Handoff
from runtime.graph import ServiceContext
from runtime.tools.base import RetryPolicy, ToolContext, ToolSpec
from workflows.agent_refs import AgentRefError, resolve_agent_ref

_HANDOFF_INPUT = {"type": "object", "properties": {
    "message": {"type": "string", "description": "what the next agent needs to know"}}}


class HandoffTool:
    """A tool whose call hands the conversation to another agent (ends this agent's loop)."""

    def __init__(self, target: str, description: str) -> None:
        self.target = target
        self.spec = ToolSpec(name=handoff_tool_name(target), description=description or f"Hand off to {target}",
                             input_schema=_HANDOFF_INPUT, timeout_s=5.0, retry=RetryPolicy(max_attempts=1))

    def invoke(self, input: dict[str, Any], ctx: ToolContext) -> Any:
        raise Handoff(self.target, dict(input))


def handoff_tool_name(target: str) -> str:
    return "transfer_to_" + re.sub(r"[^A-Za-z0-9_-]", "_", target)[:48]


class LoopAgentRunner:
    """Runs agent versions of the run's project; versions are resolved once per reference."""

    def __init__(self, run, *, store, control, secrets: dict[str, str]) -> None:
        self.run = run
        self.store = store
        self.control = control
        self.secrets = secrets
        self._versions: dict[str, Any] = {}

    def prepare(self, ref: str) -> None:
        """Resolve a reference ahead of time (on the worker's thread); errors are raised when the node runs."""
        if ref not in self._versions:
            try:
                self._versions[ref] = resolve_agent_ref(self.run.project, ref)
            except AgentRefError as exc:
                self._versions[ref] = AgentSpecInvalid(str(exc), agent=ref)

    def version(self, ref: str) -> Any:
        if ref not in self._versions:
            with closing_thread_connections():
                self.prepare(ref)
        found = self._versions[ref]
        if isinstance(found, AgentSpecInvalid):
            raise found
        return found

    def run_agent(self, agent_ref: str, input: dict[str, Any], *, handoffs: list[dict[str, Any]],
                  ctx: ServiceContext) -> dict[str, Any]:
        """Run the agent to its answer (or handoff); see `runtime.graph.services.AgentRunner`."""
        body = self.version(agent_ref).body
        with closing_thread_connections():
            agent_ctx = agent_context(self.run, body, store=self.store, control=self.control, secrets=self.secrets,
                                      node_id=ctx.node_id, parent_span_id=ctx.span_id)
        if agent_ctx.run_id != ctx.idempotency_key:
            raise AgentSpecInvalid("agent checkpoints must be namespaced by the node's idempotency key")
        if ctx.deadline is not None and (agent_ctx.deadline is None or ctx.deadline < agent_ctx.deadline):
            agent_ctx = dataclasses.replace(agent_ctx, deadline=ctx.deadline)
        data = agent_input(body, input)
        with closing_thread_connections():
            spec = AgentSpec.from_dict(with_knowledge(agent_spec_dict(body), data, ctx=agent_ctx))
            if handoffs:
                spec, agent_ctx = _with_handoffs(spec, agent_ctx, handoffs)
            result = run_agent(spec, data, ctx=agent_ctx)
        handoff = result.handoff or {}
        return {"output": result.output, "handoff": handoff.get("target"),
                "handoff_payload": handoff.get("payload") or {},
                "usage": {"input_tokens": result.usage.input_tokens, "output_tokens": result.usage.output_tokens,
                          "cost_usd": round(result.cost_usd, 8)}}


def _with_handoffs(spec: AgentSpec, ctx: Any, handoffs: list[dict[str, Any]]) -> tuple[AgentSpec, Any]:
    tools = {h["name"]: HandoffTool(h["name"], h.get("description", "")) for h in handoffs}
    by_tool_name = {tool.spec.name: tool for tool in tools.values()}
    ctx = dataclasses.replace(ctx, tools={**ctx.tools, **by_tool_name})
    if spec.tools:  # an explicit tool list: offer the handoffs too
        spec = dataclasses.replace(spec, tools=(*spec.tools, *by_tool_name))
    return spec, ctx
