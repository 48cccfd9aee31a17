"""Agent references in Agent nodes: `name`, `agt_…` id, `name@3` / `name@v3` (a version number) or
`name@prod` (an environment's current version). Without a selector the latest version is used."""
from __future__ import annotations

import re
from dataclasses import dataclass

from agent_platform.definitions.models import ENVIRONMENTS
from agents.models import Agent, AgentEnvironment, AgentVersion

_VERSION = re.compile(r"^v?(\d+)$")


class AgentRefError(Exception):
    """An agent reference that does not name a runnable agent version of the project."""


@dataclass(frozen=True)
class AgentRef:
    agent: str
    version: int | None = None
    environment: str | None = None


def parse_agent_ref(ref: str) -> AgentRef:
    """Split `name[@selector]`; raise `AgentRefError` for a selector that is neither a version nor an environment."""
    name, sep, selector = ref.partition("@")
    if not name:
        raise AgentRefError(f"{ref!r} does not name an agent")
    if not sep:
        return AgentRef(name)
    match = _VERSION.match(selector)
    if match:
        return AgentRef(name, version=int(match.group(1)))
    if selector in ENVIRONMENTS:
        return AgentRef(name, environment=selector)
    raise AgentRefError(f"{ref!r}: after '@' give a version number or one of {', '.join(ENVIRONMENTS)}")


def find_agent(project, name: str) -> Agent | None:
    query = Agent.objects.filter(project=project)
    return query.filter(pk=name).first() if name.startswith("agt_") else query.filter(name=name).first()


def check_agent_ref(project, ref: str) -> None:
    """At save time: the agent exists, and so does the named version (an environment may be promoted later)."""
    parsed = parse_agent_ref(ref)
    agent = find_agent(project, parsed.agent)
    if agent is None:
        raise AgentRefError(f"unknown agent {parsed.agent!r}")
    if parsed.version is not None and not AgentVersion.objects.filter(agent=agent, number=parsed.version).exists():
        raise AgentRefError(f"agent {agent.name!r} has no version {parsed.version}")


def resolve_agent_ref(project, ref: str) -> AgentVersion:
    """At run time: the exact agent version a node runs; raise `AgentRefError` if there is none."""
    parsed = parse_agent_ref(ref)
    agent = find_agent(project, parsed.agent)
    if agent is None:
        raise AgentRefError(f"unknown agent {parsed.agent!r}")
    if parsed.version is not None:
        version = AgentVersion.objects.filter(agent=agent, number=parsed.version).first()
    elif parsed.environment is not None:
        env = AgentEnvironment.objects.select_related("version").filter(agent=agent, name=parsed.environment).first()
        version = env.version if env else None
    else:
        version = AgentVersion.objects.filter(agent=agent).order_by("-number").first()
    if version is None:
        raise AgentRefError(f"agent reference {ref!r} names no version")
    return version
