from __future__ import annotations

from rest_framework import serializers

from agent_platform.api.serializers import StrictSerializer
from agent_platform.versioning import ENVIRONMENTS
from agents.models import Agent, AgentPromotion, AgentVersion
from agents.selectors import environments


class AgentOut(serializers.ModelSerializer):
    environments = serializers.SerializerMethodField()
    latest_version = serializers.SerializerMethodField()

    class Meta:
        model = Agent
        fields = ["id", "name", "description", "environments", "latest_version", "created_at", "updated_at"]

    def get_environments(self, agent) -> dict:
        return environments(agent)

    def get_latest_version(self, agent) -> int | None:
        return agent.versions.order_by("-number").values_list("number", flat=True).first()


def name_field(**kwargs) -> serializers.RegexField:
    return serializers.RegexField(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$", max_length=100,
                                  error_messages={"invalid": "Use letters, digits, '_', '-' and '.'."}, **kwargs)


class AgentIn(StrictSerializer):
    name = name_field()
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class AgentPatch(StrictSerializer):
    name = name_field(required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class VersionOut(serializers.ModelSerializer):
    body = serializers.JSONField()

    class Meta:
        model = AgentVersion
        fields = ["number", "content_hash", "body", "created_at"]


class VersionIn(serializers.Serializer):
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


class PromoteIn(StrictSerializer):
    version = serializers.IntegerField(min_value=1)
    environment = serializers.ChoiceField(choices=ENVIRONMENTS)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class PromotionOut(serializers.ModelSerializer):
    version = serializers.IntegerField(source="version.number")
    previous_version = serializers.IntegerField(source="previous_version.number", allow_null=True)

    class Meta:
        model = AgentPromotion
        fields = ["environment", "version", "previous_version", "promoted_by", "promoted_at", "note"]
