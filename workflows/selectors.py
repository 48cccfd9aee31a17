"""Reads for workflows: the versioned-definition layer's selectors for the workflow kind
(agent_platform/definitions/selectors.py), and a version's input schema."""
from __future__ import annotations

from agent_platform.definitions import selectors
from workflows import spec
from workflows.models import WORKFLOWS, WorkflowVersion

_workflows = selectors.for_kind(WORKFLOWS)
get_workflow, get_workflow_for_run, latest_version = _workflows.get, _workflows.get_for_run, _workflows.latest_version
resolve_version, environments = _workflows.resolve_version, _workflows.environments


def input_schema(version: WorkflowVersion) -> dict:
    """The JSON Schema a run's input must match (default: any object)."""
    return spec.input_schema(version.body)
