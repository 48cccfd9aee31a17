from __future__ import annotations

from rest_framework import serializers

from agent_platform.api.serializers import StrictSerializer
from agent_platform.definitions.models import ENVIRONMENTS
from runs.models import Run, Span
from runs.traces import latency_ms


class RunCreateIn(StrictSerializer):
    agent = serializers.CharField(required=False, max_length=100, help_text="agent id or name")
    workflow = serializers.CharField(required=False, max_length=100, help_text="workflow id or name")
    version = serializers.IntegerField(required=False, min_value=1)
    environment = serializers.ChoiceField(choices=ENVIRONMENTS, required=False)
    input = serializers.JSONField(required=False)
    metadata = serializers.DictField(required=False)
    webhook_url = serializers.URLField(required=False, max_length=2000)

    def validate_input(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError("Expected a JSON object.")
        return value


class RunResumeIn(StrictSerializer):
    """Either `{input: {...}}` (human input) or `{approve: bool, reason?}` (tool approval)."""

    input = serializers.JSONField(required=False)
    node = serializers.CharField(required=False, max_length=300,
                                 help_text="which waiting Human input node to answer, when several wait")
    approve = serializers.BooleanField(required=False)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class UsageOut(serializers.Serializer):
    input_tokens = serializers.IntegerField()
    output_tokens = serializers.IntegerField()
    cost_usd = serializers.FloatField()


class RunOut(serializers.ModelSerializer):
    agent = serializers.CharField(source="agent_id", allow_null=True)
    workflow = serializers.CharField(source="workflow_id", allow_null=True)
    version = serializers.SerializerMethodField()
    usage = serializers.SerializerMethodField()
    timings = serializers.SerializerMethodField()
    parent_run = serializers.CharField(source="parent_run_id", allow_null=True)
    environment = serializers.SerializerMethodField()

    class Meta:
        model = Run
        fields = ["id", "kind", "agent", "workflow", "version", "environment", "status", "input", "output",
                  "error", "usage", "metadata", "waiting_for", "webhook_url", "parent_run", "attempts",
                  "created_at", "started_at", "finished_at", "timings"]

    def to_representation(self, run) -> dict:
        """What ModelSerializer would answer for these fields (tests/runs/test_hot_path_api.py compares
        the two), built directly: building the serializer's fields cost ~1 ms per run answered."""
        dt = _DATETIME.to_representation
        return {"id": run.id, "kind": run.kind, "agent": run.agent_id, "workflow": run.workflow_id,
                "version": self.get_version(run), "environment": self.get_environment(run), "status": run.status,
                "input": run.input, "output": run.output, "error": run.error, "usage": self.get_usage(run),
                "metadata": run.metadata, "waiting_for": run.waiting_for, "webhook_url": run.webhook_url,
                "parent_run": run.parent_run_id, "attempts": run.attempts,
                "created_at": dt(run.created_at) if run.created_at is not None else None,
                "started_at": dt(run.started_at) if run.started_at is not None else None,
                "finished_at": dt(run.finished_at) if run.finished_at is not None else None,
                "timings": self.get_timings(run)}

    def get_environment(self, run) -> str | None:
        """The environment the version was resolved through; null when the run named a version."""
        return run.environment or None

    def get_version(self, run) -> int | None:
        pinned = run.agent_version if run.kind == "agent" else run.workflow_version
        return pinned.number if pinned else None

    def get_usage(self, run) -> UsageOut:
        usage = run.usage or {}
        return {"input_tokens": usage.get("input_tokens", 0), "output_tokens": usage.get("output_tokens", 0),
                "cost_usd": usage.get("cost_usd", 0.0)}

    def get_timings(self, run) -> dict:
        def ms(a, b):
            return round((b - a).total_seconds() * 1000, 2) if a and b else None
        return {"queued_ms": ms(run.created_at, run.started_at), "run_ms": ms(run.started_at, run.finished_at),
                "total_ms": ms(run.created_at, run.finished_at)}


_DATETIME = serializers.DateTimeField()


class EventOut(serializers.Serializer):
    seq = serializers.IntegerField()
    run_id = serializers.CharField()
    type = serializers.CharField()
    ts = serializers.DateTimeField()
    node_id = serializers.CharField(required=False)
    span_id = serializers.CharField(required=False)
    data = serializers.DictField()


class SpanOut(serializers.ModelSerializer):
    run_id = serializers.CharField()
    parent_id = serializers.SerializerMethodField()

    class Meta:
        model = Span
        fields = ["id", "run_id", "parent_id", "kind", "name", "status", "started_at", "ended_at", "duration_ms",
                  "input_tokens", "output_tokens", "cost_usd", "attributes", "error"]

    def get_parent_id(self, span) -> str | None:
        return span.parent_id or None


class TraceSummaryOut(serializers.ModelSerializer):
    """One run's trace, summarised: what ran, how it ended, how long, tokens, cost and span count."""

    run_id = serializers.CharField(source="id", help_text="the run (also the trace id for /traces/{id})")
    # Plain strings: an enum here would duplicate RunOut's and give the schema a hashed enum name.
    kind = serializers.CharField(help_text="agent | workflow")
    status = serializers.CharField(help_text="queued | running | waiting | succeeded | failed | cancelled | timed_out")
    agent = serializers.CharField(source="agent_id", allow_null=True)
    agent_name = serializers.SerializerMethodField()
    workflow = serializers.CharField(source="workflow_id", allow_null=True)
    workflow_name = serializers.SerializerMethodField()
    version = serializers.SerializerMethodField()
    environment = serializers.CharField(allow_null=True, help_text="null when the run named a version")
    started_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(source="finished_at", allow_null=True)
    latency_ms = serializers.SerializerMethodField(help_text="started → finished; null until finished")
    input_tokens = serializers.SerializerMethodField()
    output_tokens = serializers.SerializerMethodField()
    tokens = serializers.SerializerMethodField()
    cost_usd = serializers.SerializerMethodField()
    span_count = serializers.IntegerField()

    class Meta:
        model = Run
        fields = ["id", "run_id", "kind", "agent", "agent_name", "workflow", "workflow_name", "version",
                  "environment", "status", "created_at", "started_at", "ended_at", "latency_ms", "input_tokens",
                  "output_tokens", "tokens", "cost_usd", "span_count"]

    def to_representation(self, run):
        out = super().to_representation(run)
        out["environment"] = run.environment or None
        return out

    def get_agent_name(self, run) -> str | None:
        return run.agent.name if run.agent_id and run.agent else None

    def get_workflow_name(self, run) -> str | None:
        return run.workflow.name if run.workflow_id and run.workflow else None

    def get_version(self, run) -> int | None:
        pinned = run.agent_version if run.kind == "agent" else run.workflow_version
        return pinned.number if pinned else None

    def get_latency_ms(self, run) -> float | None:
        return latency_ms(run)

    def get_input_tokens(self, run) -> int:
        return int((run.usage or {}).get("input_tokens", 0))

    def get_output_tokens(self, run) -> int:
        return int((run.usage or {}).get("output_tokens", 0))

    def get_tokens(self, run) -> int:
        return self.get_input_tokens(run) + self.get_output_tokens(run)

    def get_cost_usd(self, run) -> float:
        return float((run.usage or {}).get("cost_usd", 0.0))


class TracePageOut(serializers.Serializer):
    data = TraceSummaryOut(many=True)
    next_cursor = serializers.CharField(allow_null=True, help_text="pass as ?cursor= for the next page")


class SpanPageOut(serializers.Serializer):
    data = SpanOut(many=True)
    next_cursor = serializers.CharField(allow_null=True)
