"""Reads for agents: the versioned-definition layer's selectors (agent_platform/definitions/selectors.py)
bound to the agent kind. `get_agent_for_run` names the `agent` field of a run request."""
from __future__ import annotations

from agent_platform.definitions import selectors
from agents.models import AGENTS

get_agent, get_agent_for_run, resolve_version, environments = selectors.for_kind(AGENTS).functions(
    "get", "get_for_run", "resolve_version", "environments")
