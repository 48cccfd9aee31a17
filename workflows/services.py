"""Writes for workflows, the versioned-definition layer's services bound to the workflow kind (the
workflow passed as `workflow=`); a body is checked as a whole by workflows.spec (graph, schemas, limits)."""
from __future__ import annotations

from agent_platform.definitions.services import for_kind
from workflows.models import WORKFLOWS

create_workflow, create_workflow_version, promote = for_kind(WORKFLOWS).functions("create", "create_version", "promote")
