"""Reads for workflows: the layer's selectors bound to the workflow kind, and a version's input schema."""
from __future__ import annotations

from agent_platform.definitions.selectors import for_kind
from workflows import spec
from workflows.models import WORKFLOWS, WorkflowVersion

get_workflow, get_workflow_for_run, latest_version, resolve_version, environments = for_kind(WORKFLOWS).functions(
    "get", "get_for_run", "latest_version", "resolve_version", "environments")


def input_schema(version: WorkflowVersion) -> dict:
    """The JSON Schema a run's input must match (default: any object)."""
    return spec.input_schema(version.body)
