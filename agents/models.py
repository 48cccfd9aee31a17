"""Agents: a mutable name around immutable versions, and dev/stage/prod environments (a kind of
the versioned-definition layer, agent_platform/definitions)."""
from __future__ import annotations

from django.db import models

from agent_platform.definitions.kinds import DefinitionKind, body_rule
from agent_platform.definitions.models import Definition, DefinitionVersion, EnvironmentPointer, Promotion
from agent_platform.ids import new_id


def new_agent_id() -> str:
    return new_id("agt")


class Agent(Definition):
    id = models.CharField(primary_key=True, max_length=40, default=new_agent_id, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="uniq_agent_name")]
        ordering = ["name"]


class AgentVersion(DefinitionVersion):
    """The whole agent body (see agents/spec.py for its schema): model, instructions, tools,
    knowledge, output schema, guardrails, limits. Never updated after creation."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="versions")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agent", "number"], name="uniq_agent_version_number"),
            models.UniqueConstraint(fields=["agent", "content_hash"], name="uniq_agent_version_hash"),
        ]
        ordering = ["-number"]


class AgentEnvironment(EnvironmentPointer):
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="environments")
    version = models.ForeignKey(AgentVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agent", "name"], name="uniq_agent_environment")]


class AgentPromotion(Promotion):
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="promotions")
    version = models.ForeignKey(AgentVersion, on_delete=models.PROTECT, related_name="+")
    previous_version = models.ForeignKey(AgentVersion, null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="+")


AGENTS = DefinitionKind(
    name="agent", label="Agent", article="an", id_prefix="agt", url_prefix="agents",
    definition_model=Agent, version_model=AgentVersion, environment_model=AgentEnvironment,
    promotion_model=AgentPromotion, validate_body=body_rule("agents.spec.validate_agent_body"),
    validate_refs="agents.references.validate_references",
    in_use_message="agent {name!r} has runs; its versions are kept for their history", in_use_field="agent")
