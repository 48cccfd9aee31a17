"""Workflows: a mutable name around immutable graph versions, with environments (as agents)."""
from __future__ import annotations

from django.db import models

from agent_platform.definitions.kinds import DefinitionKind, body_rule
from agent_platform.definitions.models import Definition, DefinitionVersion, EnvironmentPointer, Promotion
from agent_platform.ids import new_id


def new_workflow_id() -> str:
    return new_id("wf")


class Workflow(Definition):
    id = models.CharField(primary_key=True, max_length=40, default=new_workflow_id, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="uniq_workflow_name")]
        ordering = ["name"]


class WorkflowVersion(DefinitionVersion):
    """`body` = {"graph": {nodes, edges}, "input_schema"?, "limits"?}. Never updated."""

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="versions")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workflow", "number"], name="uniq_workflow_version_number"),
            models.UniqueConstraint(fields=["workflow", "content_hash"], name="uniq_workflow_version_hash"),
        ]
        ordering = ["-number"]


class WorkflowEnvironment(EnvironmentPointer):
    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="environments")
    version = models.ForeignKey(WorkflowVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workflow", "name"], name="uniq_workflow_environment")]


class WorkflowPromotion(Promotion):
    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="promotions")
    version = models.ForeignKey(WorkflowVersion, on_delete=models.PROTECT, related_name="+")
    previous_version = models.ForeignKey(WorkflowVersion, null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="+")


WORKFLOWS = DefinitionKind(
    name="workflow", label="Workflow", id_prefix="wf", url_prefix="workflows",
    definition_model=Workflow, version_model=WorkflowVersion, environment_model=WorkflowEnvironment,
    promotion_model=WorkflowPromotion, validate_body=body_rule("workflows.spec.validate_workflow_body"),
    validate_refs="workflows.references.validate_references",
    in_use_message="workflow {name!r} has runs that pin its versions; delete them first")
