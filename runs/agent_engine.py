"""`AgentEngine`: executes (or resumes) an agent run with the agent loop (`runtime.agent.loop.run_agent`),
and the translation of a stored agent version into the loop's vocabulary that Agent nodes of workflows
share (`workflows.adapters.agents`)."""
from __future__ import annotations

import json
from typing import Any

from runs.agent_context import agent_context
from runs.knowledge import with_knowledge
from runs.leases import RunControl
from runs.models import Run
from runs.store import RunStore
from runtime.agent.loop import run_agent
from runtime.agent.spec import AgentSpec


def agent_spec_dict(body: dict) -> dict:
    """An agent version body in the runtime's AgentSpec vocabulary."""
    settings = body.get("model_settings") or {}
    return {**body, "temperature": settings.get("temperature"), "response_cache": body.get("cache", False),
            "limits": {**body.get("limits", {}), **({"max_output_tokens": settings["max_tokens"]}
                                                    if "max_tokens" in settings else {})}}


def agent_input(body: dict, data: dict) -> dict:
    """The loop takes `{"message", "messages"?}`; a custom input schema's object becomes the message."""
    if body.get("input_schema") and not isinstance(data.get("message"), str):
        return {"message": json.dumps(data, ensure_ascii=False)}
    return data


START_CHECKPOINT = "turn:0"


def _start_checkpoint(key: str) -> bool:
    """The loop's first checkpoint (guardrail-checked input and initial messages) is recomputed from
    the run's input by a resumed run, so it may wait for the turn's own write: a one-turn run then
    stores its model turn and both checkpoints in one statement."""
    return key == START_CHECKPOINT


class AgentEngine:
    def execute(self, run: Run, *, store: RunStore, control: RunControl,
                secrets: dict[str, str]) -> tuple[Any, dict | None]:
        body = run.agent_version.body
        store.deferrable = _start_checkpoint
        ctx = agent_context(run, body, store=store, control=control, secrets=secrets)
        data = agent_input(body, run.input)
        spec = with_knowledge(agent_spec_dict(body), data, ctx=ctx)
        result = run_agent(AgentSpec.from_dict(spec), data, ctx=ctx)
        return result.output, None
