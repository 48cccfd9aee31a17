"""Agents over HTTP: the versioned-definition layer's API (agent_platform/definitions/api) for the
agent kind, with the agent body serializer and the component names of API v1."""
from __future__ import annotations

from agent_platform.definitions.api.serializers import SerializerNames
from agent_platform.definitions.api.views import DefinitionApi
from agents.api.serializers import VersionIn
from agents.models import AGENTS

AGENT_API = DefinitionApi(AGENTS, body_serializer=VersionIn, module="agents.api.serializers", names=SerializerNames(
    version_out="VersionOut", promote_in="PromoteIn", promotion_out="PromotionOut"))
