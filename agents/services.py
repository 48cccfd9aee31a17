"""Writes for agents: the versioned-definition layer's services for the agent kind
(agent_platform/definitions/services.py): create_agent(project=, name=, description=),
create_agent_version(agent=, body=, created_by=, validate_refs=) → (version, created),
promote(agent=, version=, environment=, actor=, note=, override_reason=, can_deploy=)."""
from __future__ import annotations

from agent_platform.definitions import services
from agents.models import AGENTS, Agent
from agents.spec import validate_agent_body


def validate_version_body(agent: Agent, body: dict) -> dict:
    """The agent kind's body rule (AGENTS.validate_body): agents.spec's schema and normalisation."""
    return validate_agent_body(body)


_agents = services.for_kind(AGENTS)
create_agent, create_agent_version, promote = _agents.create, _agents.create_version, _agents.promote
