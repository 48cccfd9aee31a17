"""`client.agents`: agents, their immutable versions, and promotion to environments."""
from __future__ import annotations

from typing import Any, Dict, List

from agent_platform_sdk._async._base import AsyncBaseClient
from agent_platform_sdk._async.resources.definitions import AsyncDefinitionResource, Timeout
from agent_platform_sdk._types import NOT_GIVEN, NotGiven, strip_not_given
from agent_platform_sdk.models import (
    Agent,
    AgentCreate,
    AgentUpdate,
    AgentVersion,
    AgentVersionCreate,
    PromoteRequest,
    Promotion,
)


class AsyncAgents(AsyncDefinitionResource[Agent, AgentVersion, Promotion]):
    def __init__(self, client: AsyncBaseClient) -> None:
        super().__init__(
            client, prefix="/agents", model=Agent,
            version_model=AgentVersion, promotion_model=Promotion,
            create_model=AgentCreate, update_model=AgentUpdate, promote_model=PromoteRequest)

    async def create_version(self, agent_id: str, *, model: str, instructions: str | NotGiven = NOT_GIVEN,
                             model_settings: Dict[str, Any] | NotGiven = NOT_GIVEN,
                             tools: List[Any] | NotGiven = NOT_GIVEN,
                             knowledge: List[Any] | NotGiven = NOT_GIVEN,
                             input_schema: Dict[str, Any] | NotGiven = NOT_GIVEN,
                             output_schema: Dict[str, Any] | NotGiven = NOT_GIVEN,
                             guardrails: List[Any] | NotGiven = NOT_GIVEN,
                             limits: Dict[str, Any] | NotGiven = NOT_GIVEN,
                             fallbacks: List[Any] | NotGiven = NOT_GIVEN,
                             cache: bool | NotGiven = NOT_GIVEN,
                             idempotency_key: str | None = None, timeout: Timeout = NOT_GIVEN) -> AgentVersion:
        """A new immutable version (the same body as the latest answers that version, 200)."""
        body = AgentVersionCreate(**strip_not_given({
            "model": model, "instructions": instructions, "model_settings": model_settings, "tools": tools,
            "knowledge": knowledge, "input_schema": input_schema, "output_schema": output_schema,
            "guardrails": guardrails, "limits": limits, "fallbacks": fallbacks, "cache": cache})).payload()
        return await self._create_version(agent_id, body, idempotency_key, timeout)
