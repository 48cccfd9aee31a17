"""Workflows over HTTP: the versioned-definition layer's API (agent_platform/definitions/api) for
the workflow kind, with the workflow body serializer."""
from __future__ import annotations

from agent_platform.definitions.api.views import DefinitionApi
from workflows.api.serializers import WorkflowVersionIn
from workflows.models import WORKFLOWS

WORKFLOW_API = DefinitionApi(WORKFLOWS, body_serializer=WorkflowVersionIn, module="workflows.api.serializers")
