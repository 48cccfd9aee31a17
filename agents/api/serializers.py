"""Agent API shapes: the version body (validated as a whole by agents.spec). The definition,
version and promotion shapes are the layer's (agent_platform/definitions/api), named in views.py."""
from __future__ import annotations

from rest_framework import serializers

from agent_platform.api.serializers import StrictSerializer
from agent_platform.definitions.api.serializers import name_field

__all__ = ["VersionIn", "name_field"]


class VersionIn(StrictSerializer):
    """The version body: model, instructions, tools, knowledge, output_schema, guardrails, limits
    (see docs/agents.md). Validated as a whole by agents.spec."""

    model = serializers.CharField()
    instructions = serializers.CharField(required=False)
    fallbacks = serializers.ListField(child=serializers.CharField(), required=False)
    model_settings = serializers.DictField(required=False)
    tools = serializers.ListField(required=False)
    knowledge = serializers.ListField(child=serializers.DictField(), required=False)
    input_schema = serializers.DictField(required=False)
    output_schema = serializers.DictField(required=False)
    guardrails = serializers.ListField(child=serializers.DictField(), required=False)
    limits = serializers.DictField(required=False)
    cache = serializers.BooleanField(required=False)
