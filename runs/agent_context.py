"""Assembling an AgentContext for a run: model router, tools, services, store, cancel token.

Shared by agent runs and by workflow Agent nodes."""
from __future__ import annotations

from limits.metering import meter_for
from runs.leases import RunControl
from runs.model_config import response_cache, router_for
from runtime.agent.context import AgentContext
from tools.resolution import tool_services, toolset_for


def agent_context(run, body: dict, *, store, control: RunControl, secrets: dict[str, str],
                  node_id: str | None = None, parent_span_id: str | None = None) -> AgentContext:
    project = run.project
    router = router_for(project, body, secrets)
    return AgentContext(
        run_id=run.pk if node_id is None else f"{run.pk}:{node_id}",
        router=router,
        tools=toolset_for(project, body.get("tools", []), secrets=secrets),
        sink=store, tracer=store, checkpoints=store, ledger=store, cancel=control, secrets=secrets,
        services=tool_services(project, run=run),
        project_id=project.pk, node_id=node_id, parent_span_id=parent_span_id,
        cache=response_cache(project, router) if body.get("cache") else None,
        deadline=control.deadline,
        spend=meter_for(run),  # the project / API key budget (limits/), None without one
    )
