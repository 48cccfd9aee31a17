"""Reads for agents."""
from __future__ import annotations

from django.db.models import QuerySet

from agent_platform.api.errors import FieldError, NotFound
from agent_platform.versioning import environment_numbers, resolve_pinned_version
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
    """The version a run pins (see agent_platform.versioning.resolve_pinned_version)."""
    return resolve_pinned_version(agent, parent_field="agent", version_model=AgentVersion,
                                  environment_model=AgentEnvironment, version=version, environment=environment,
                                  field=field)


def environments(agent: Agent) -> dict[str, int | None]:
    return environment_numbers(agent, parent_field="agent", environment_model=AgentEnvironment)


def get_agent_for_run(project, ref: str) -> Agent:
    """As get_agent, but an unknown agent is a bad field of the run request (4xx naming it)."""
    try:
        return get_agent(project, ref)
    except NotFound:
        raise FieldError("agent", f"unknown agent {ref!r}") from None
