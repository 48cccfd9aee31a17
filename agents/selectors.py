"""Reads for agents."""
from __future__ import annotations

from django.db.models import QuerySet

from agent_platform.api.errors import FieldError, NotFound
from agents.models import Agent, AgentEnvironment, AgentVersion


def agents_for_project(project) -> QuerySet[Agent]:
    return Agent.objects.filter(project=project)


def get_agent(project, ref: str) -> Agent:
    """An agent by id (`agt_…`) or name, in this project only."""
    query = Agent.objects.filter(project=project)
    agent = query.filter(pk=ref).first() if ref.startswith("agt_") else query.filter(name=ref).first()
    if agent is None:
        raise NotFound(f"Agent {ref!r} not found.")
    return agent


def get_version(agent: Agent, number: int) -> AgentVersion:
    version = AgentVersion.objects.filter(agent=agent, number=number).first()
    if version is None:
        raise NotFound(f"Agent {agent.name!r} has no version {number}.")
    return version


def resolve_version(agent: Agent, *, version: int | None = None, environment: str | None = None,
                    field: str = "version") -> tuple[AgentVersion, str | None]:
    """The version a run pins: the given number, the environment's current one, or the latest."""
    if version is not None:
        found = AgentVersion.objects.filter(agent=agent, number=version).first()
        if found is None:
            raise FieldError(field, f"agent {agent.name!r} has no version {version}")
        return found, environment
    if environment is not None:
        env = AgentEnvironment.objects.select_related("version").filter(agent=agent, name=environment).first()
        if env is None:
            raise FieldError("environment", f"unknown environment {environment!r}")
        if env.version is None:
            raise FieldError("environment", f"environment {environment!r} of agent {agent.name!r} has no version")
        return env.version, environment
    latest = AgentVersion.objects.filter(agent=agent).order_by("-number").first()
    if latest is None:
        raise FieldError("agent", f"agent {agent.name!r} has no versions yet")
    return latest, None


def environments(agent: Agent) -> dict[str, int | None]:
    rows = AgentEnvironment.objects.filter(agent=agent).select_related("version")
    return {row.name: (row.version.number if row.version else None) for row in rows}


def get_agent_for_run(project, ref: str) -> Agent:
    """As get_agent, but an unknown agent is a bad field of the run request (4xx naming it)."""
    try:
        return get_agent(project, ref)
    except NotFound:
        raise FieldError("agent", f"unknown agent {ref!r}") from None
