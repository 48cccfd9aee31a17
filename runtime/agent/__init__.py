"""The agent orchestrator: `run_agent(spec, input, ctx=AgentContext(...)) -> AgentResult`.

Exports are loaded lazily so that leaf modules (`retry`, `schema`) can be imported by the
model router and the tool executor without importing the loop.
"""
from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "run_agent": "runtime.agent.loop",
    "AgentSpec": "runtime.agent.spec",
    "Limits": "runtime.agent.spec",
    "AgentResult": "runtime.agent.spec",
    "AgentContext": "runtime.agent.context",
    "NullSink": "runtime.agent.context",
    "Backoff": "runtime.agent.retry",
}

__all__ = ["AgentContext", "AgentResult", "AgentSpec", "Backoff", "Limits", "NullSink", "run_agent"]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'runtime.agent' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
