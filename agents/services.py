"""Writes for agents: the versioned-definition layer's services (agent_platform/definitions/services.py)
bound to the agent kind, the agent passed as `agent=`; bodies are checked by agents.spec."""
from __future__ import annotations

from agent_platform.definitions import services
from agents.models import AGENTS

create_agent, create_agent_version, promote = services.for_kind(AGENTS).functions("create", "create_version",
                                                                                  "promote")
