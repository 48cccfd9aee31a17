"""Writes for agents: definitions, immutable versions, promotions."""
from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from agent_platform.api.errors import Conflict
from agent_platform.versioning import ENVIRONMENTS, create_version, promote_version
from agents.models import Agent, AgentEnvironment, AgentPromotion, AgentVersion
from agents.spec import validate_agent_body


def create_agent(*, project, name: str, description: str = "") -> Agent:
    try:
        with transaction.atomic():
            agent = Agent.objects.create(project=project, name=name, description=description)
            AgentEnvironment.objects.bulk_create([AgentEnvironment(agent=agent, name=e) for e in ENVIRONMENTS])
    except IntegrityError:
        raise Conflict(f"an agent named {name!r} already exists", field="name") from None
    return agent


def update_agent(*, agent: Agent, **fields) -> Agent:
    for field, value in fields.items():
        setattr(agent, field, value)
    agent.updated_at = timezone.now()
    try:
        with transaction.atomic():
            agent.save(update_fields=[*fields, "updated_at"])
    except IntegrityError:
        raise Conflict(f"an agent named {fields.get('name')!r} already exists", field="name") from None
    return agent


def delete_agent(*, agent: Agent) -> None:
    """Delete an agent with its versions, environments and promotion history. An agent whose
    versions were run is kept (runs are history): that is a conflict."""
    from runs.models import Run

    if Run.objects.filter(agent_version__agent=agent).exists():
        raise Conflict(f"agent {agent.name!r} has runs; its versions are kept for their history", field="agent")
    with transaction.atomic():
        AgentPromotion.objects.filter(agent=agent).delete()
        AgentEnvironment.objects.filter(agent=agent).delete()
        agent.delete()


def create_agent_version(*, agent: Agent, body: dict, created_by=None, validate_refs=None) -> tuple[AgentVersion, bool]:
    """Validate and store a new immutable version; an identical body returns the existing one."""
    body = validate_agent_body(body)
    if validate_refs is not None:
        validate_refs(agent.project, body)
    return create_version(definition=agent, version_model=AgentVersion, body=body, created_by=created_by,
                          parent_field="agent")


def promote(*, agent: Agent, version: AgentVersion, environment: str, actor: str = "", note: str = "",
            gate=None) -> AgentPromotion:
    """Point an environment at a version (see agent_platform.versioning.promote_version)."""
    return promote_version(definition=agent, version=version, environment=environment, parent_field="agent",
                           environment_model=AgentEnvironment, promotion_model=AgentPromotion, actor=actor,
                           note=note, gate=gate)
