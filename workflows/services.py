"""Writes for workflows: definitions, immutable versions, promotions (mirrors agents.services)."""
from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from agent_platform.api.errors import Conflict
from agent_platform.versioning import ENVIRONMENTS, create_version, promote_version
from workflows.models import Workflow, WorkflowEnvironment, WorkflowPromotion, WorkflowVersion
from workflows.spec import validate_workflow_body


def create_workflow(*, project, name: str, description: str = "") -> Workflow:
    try:
        with transaction.atomic():
            workflow = Workflow.objects.create(project=project, name=name, description=description)
            WorkflowEnvironment.objects.bulk_create([WorkflowEnvironment(workflow=workflow, name=e)
                                                     for e in ENVIRONMENTS])
    except IntegrityError:
        raise Conflict(f"a workflow named {name!r} already exists", field="name") from None
    return workflow


def update_workflow(*, workflow: Workflow, **fields) -> Workflow:
    for field, value in fields.items():
        setattr(workflow, field, value)
    workflow.updated_at = timezone.now()
    try:
        with transaction.atomic():
            workflow.save(update_fields=[*fields, "updated_at"])
    except IntegrityError:
        raise Conflict(f"a workflow named {fields.get('name')!r} already exists", field="name") from None
    return workflow


def delete_workflow(*, workflow: Workflow) -> None:
    """Delete a workflow and its versions; refused while runs still pin one of its versions."""
    try:
        with transaction.atomic():
            workflow.delete()
    except ProtectedError:
        raise Conflict(f"workflow {workflow.name!r} has runs that pin its versions; delete them first",
                       field="id") from None


def create_workflow_version(*, workflow: Workflow, body: dict, created_by=None,
                            validate_refs=None) -> tuple[WorkflowVersion, bool]:
    """Validate and store a new immutable version; an identical body returns the existing one."""
    body = validate_workflow_body(body)
    if validate_refs is not None:
        validate_refs(workflow.project, body)
    return create_version(definition=workflow, version_model=WorkflowVersion, body=body, created_by=created_by,
                          parent_field="workflow")


def promote(*, workflow: Workflow, version: WorkflowVersion, environment: str, actor: str = "", note: str = "",
            gate=None) -> WorkflowPromotion:
    """Point an environment at a version (see agent_platform.versioning.promote_version)."""
    return promote_version(definition=workflow, version=version, environment=environment, parent_field="workflow",
                           environment_model=WorkflowEnvironment, promotion_model=WorkflowPromotion, actor=actor,
                           note=note, gate=gate)
