"""Reads for agents: the versioned-definition layer's selectors for the agent kind
(agent_platform/definitions/selectors.py). `get_agent_for_run` names the `agent` field."""
from __future__ import annotations

from agent_platform.definitions import selectors
from agents.models import AGENTS

_agents = selectors.for_kind(AGENTS)
get_agent, get_agent_for_run = _agents.get, _agents.get_for_run
resolve_version, environments = _agents.resolve_version, _agents.environments
