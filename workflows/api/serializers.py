"""Workflow API shapes: the version body (validated as a whole by workflows.spec). The definition,
version and promotion shapes are the layer's (agent_platform/definitions/api), named in views.py."""
from __future__ import annotations

from rest_framework import serializers

from agent_platform.api.serializers import StrictSerializer


class WorkflowVersionIn(StrictSerializer):
    """The version body: the graph (nodes with id, type, config, inputs and policies; edges with optional
    ports), an optional input schema and run limits (see docs/workflows.md). Validated as a whole by
    workflows.spec (graph errors are keyed `graph.nodes.<node>.<field>`)."""

    graph = serializers.DictField()
    input_schema = serializers.DictField(required=False)
    limits = serializers.DictField(required=False, help_text="max_steps, timeout_s, max_cost_usd, max_parallel")
