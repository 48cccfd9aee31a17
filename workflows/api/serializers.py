from __future__ import annotations

from rest_framework import serializers

from agent_platform.api.serializers import StrictSerializer
from agent_platform.versioning import ENVIRONMENTS
from agents.api.serializers import name_field
from workflows.models import Workflow, WorkflowPromotion, WorkflowVersion
from workflows.selectors import environments


class WorkflowOut(serializers.ModelSerializer):
    environments = serializers.SerializerMethodField()
    latest_version = serializers.SerializerMethodField()

    class Meta:
        model = Workflow
        fields = ["id", "name", "description", "environments", "latest_version", "created_at", "updated_at"]

    def get_environments(self, workflow) -> dict:
        return environments(workflow)

    def get_latest_version(self, workflow) -> int | None:
        return workflow.versions.order_by("-number").values_list("number", flat=True).first()


class WorkflowIn(StrictSerializer):
    name = name_field()
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class WorkflowPatch(StrictSerializer):
    name = name_field(required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class WorkflowVersionOut(serializers.ModelSerializer):
    body = serializers.JSONField()

    class Meta:
        model = WorkflowVersion
        fields = ["number", "content_hash", "body", "created_at"]


class WorkflowVersionIn(serializers.Serializer):
    """The version body: the graph (nodes with id, type, config, inputs and policies; edges with optional
    ports), an optional input schema and run limits (see docs/workflows.md). Validated as a whole by
    workflows.spec (graph errors are keyed `graph.nodes.<node>.<field>`)."""

    graph = serializers.DictField()
    input_schema = serializers.DictField(required=False)
    limits = serializers.DictField(required=False, help_text="max_steps, timeout_s, max_cost_usd, max_parallel")


class WorkflowPromoteIn(StrictSerializer):
    version = serializers.IntegerField(min_value=1)
    environment = serializers.ChoiceField(choices=ENVIRONMENTS)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class WorkflowPromotionOut(serializers.ModelSerializer):
    version = serializers.IntegerField(source="version.number")
    previous_version = serializers.IntegerField(source="previous_version.number", allow_null=True)

    class Meta:
        model = WorkflowPromotion
        fields = ["environment", "version", "previous_version", "promoted_by", "promoted_at", "note"]
