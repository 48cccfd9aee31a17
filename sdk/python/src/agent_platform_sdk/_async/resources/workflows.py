"""`client.workflows`: workflow definitions, their immutable versions (graphs), and promotion."""
from __future__ import annotations

from typing import Any, Dict

from agent_platform_sdk._async._base import AsyncBaseClient
from agent_platform_sdk._async.resources.definitions import AsyncDefinitionResource, Timeout
from agent_platform_sdk._types import NOT_GIVEN, NotGiven, strip_not_given
from agent_platform_sdk.models import (
    Workflow,
    WorkflowCreate,
    WorkflowPromoteRequest,
    WorkflowPromotion,
    WorkflowUpdate,
    WorkflowVersion,
    WorkflowVersionCreate,
)


class AsyncWorkflows(AsyncDefinitionResource[Workflow, WorkflowVersion, WorkflowPromotion]):
    def __init__(self, client: AsyncBaseClient) -> None:
        super().__init__(
            client, prefix="/workflows", model=Workflow,
            version_model=WorkflowVersion, promotion_model=WorkflowPromotion,
            create_model=WorkflowCreate, update_model=WorkflowUpdate, promote_model=WorkflowPromoteRequest)

    async def create_version(self, workflow_id: str, *, graph: Dict[str, Any],
                             input_schema: Dict[str, Any] | NotGiven = NOT_GIVEN,
                             limits: Dict[str, Any] | NotGiven = NOT_GIVEN,
                             idempotency_key: str | None = None, timeout: Timeout = NOT_GIVEN) -> WorkflowVersion:
        """A new immutable version: `graph` is `{nodes: [...], edges: [...]}` (docs/workflows.md)."""
        body = WorkflowVersionCreate(**strip_not_given({"graph": graph, "input_schema": input_schema,
                                                        "limits": limits})).payload()
        return await self._create_version(workflow_id, body, idempotency_key, timeout)
