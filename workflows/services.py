"""Writes for workflows: the versioned-definition layer's services for the workflow kind
(agent_platform/definitions/services.py): create_workflow(project=, name=, description=),
create_workflow_version(workflow=, body=, created_by=, validate_refs=) → (version, created),
promote(workflow=, version=, environment=, actor=, note=, override_reason=, can_deploy=)."""
from __future__ import annotations

from agent_platform.definitions import services
from workflows.models import WORKFLOWS, Workflow
from workflows.spec import validate_workflow_body


def validate_version_body(workflow: Workflow, body: dict) -> dict:
    """The workflow kind's body rule (WORKFLOWS.validate_body): graph, schemas and limits."""
    return validate_workflow_body(body)


_workflows = services.for_kind(WORKFLOWS)
create_workflow, promote = _workflows.create, _workflows.promote
create_workflow_version = _workflows.create_version
