"""Reads for workflows (mirrors agents.selectors)."""
from __future__ import annotations

from django.db.models import QuerySet

from agent_platform.api.errors import FieldError, NotFound
from agent_platform.versioning import environment_numbers, resolve_pinned_version
from workflows import spec
from workflows.models import Workflow, WorkflowEnvironment, WorkflowVersion


def workflows_for_project(project) -> QuerySet[Workflow]:
    return Workflow.objects.filter(project=project)


def get_workflow(project, ref: str) -> Workflow:
    """A workflow by id (`wf_…`) or name, in this project only."""
    query = Workflow.objects.filter(project=project)
    workflow = query.filter(pk=ref).first() if ref.startswith("wf_") else query.filter(name=ref).first()
    if workflow is None:
        raise NotFound(f"Workflow {ref!r} not found.")
    return workflow


def get_version(workflow: Workflow, number: int) -> WorkflowVersion:
    version = WorkflowVersion.objects.filter(workflow=workflow, number=number).first()
    if version is None:
        raise NotFound(f"Workflow {workflow.name!r} has no version {number}.")
    return version


def latest_version(workflow: Workflow) -> WorkflowVersion | None:
    return WorkflowVersion.objects.filter(workflow=workflow).order_by("-number").first()


def resolve_version(workflow: Workflow, *, version: int | None = None, environment: str | None = None,
                    field: str = "version") -> tuple[WorkflowVersion, str | None]:
    """The version a run pins (see agent_platform.versioning.resolve_pinned_version)."""
    return resolve_pinned_version(workflow, parent_field="workflow", version_model=WorkflowVersion,
                                  environment_model=WorkflowEnvironment, version=version, environment=environment,
                                  field=field)


def environments(workflow: Workflow) -> dict[str, int | None]:
    return environment_numbers(workflow, parent_field="workflow", environment_model=WorkflowEnvironment)


def get_workflow_for_run(project, ref: str) -> Workflow:
    """As get_workflow, but an unknown workflow is a bad field of the run request (4xx naming it)."""
    try:
        return get_workflow(project, ref)
    except NotFound:
        raise FieldError("workflow", f"unknown workflow {ref!r}") from None


def input_schema(version: WorkflowVersion) -> dict:
    """The JSON Schema a run's input must match (default: any object)."""
    return spec.input_schema(version.body)
