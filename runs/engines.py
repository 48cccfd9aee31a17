"""What executes a run of each kind: the engine for an agent run (`runs.agent_engine`) or a workflow
run (`workflows.engine`), each adapting a stored version to the runtime engines."""
from __future__ import annotations

from typing import Any, Protocol

from runs.agent_engine import AgentEngine
from runs.leases import RunControl
from runs.models import Run
from runs.store import RunStore
from workflows.engine import WorkflowEngine


class Engine(Protocol):
    def execute(self, run: Run, *, store: RunStore, control: RunControl,
                secrets: dict[str, str]) -> tuple[Any, dict | None]: ...


def engine_for(kind: str) -> Engine:
    if kind == "agent":
        return AgentEngine()
    if kind == "workflow":
        return WorkflowEngine()
    raise ValueError(f"unknown run kind {kind!r}")
