"""The agent orchestrator: `run_agent(spec, input, ctx=AgentContext(...)) -> AgentResult`."""
from __future__ import annotations

from runtime.agent.context import AgentContext, NullSink
from runtime.agent.loop import run_agent
from runtime.agent.spec import AgentResult, AgentSpec, Limits
from runtime.retry import Backoff

__all__ = ["AgentContext", "AgentResult", "AgentSpec", "Backoff", "Limits", "NullSink", "run_agent"]
