from __future__ import annotations

from rest_framework import serializers

from agent_platform.api.serializers import StrictSerializer
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


class WebhookIn(StrictSerializer):
    url = serializers.CharField(max_length=4000, help_text="http(s) URL; checked by the SSRF guard at each delivery")
    event_types = serializers.ListField(child=serializers.CharField(max_length=60), max_length=50,
                                        help_text='e.g. ["run.failed", "eval.completed"], or ["*"] for all')
    description = serializers.CharField(max_length=500, required=False, allow_blank=True)
    enabled = serializers.BooleanField(required=False)


class WebhookPatch(WebhookIn):
    url = serializers.CharField(max_length=4000, required=False)
    event_types = serializers.ListField(child=serializers.CharField(max_length=60), max_length=50, required=False)


class WebhookOut(serializers.ModelSerializer):
    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "description", "event_types", "enabled", "created_at", "updated_at"]


class WebhookPageOut(serializers.Serializer):
    data = WebhookOut(many=True)
    next_cursor = serializers.CharField(allow_null=True)


class AttemptOut(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["number", "started_at", "status_code", "latency_ms", "error"]


class DeliveryOut(serializers.ModelSerializer):
    webhook = serializers.CharField(source="endpoint_id", allow_null=True)
    run = serializers.CharField(source="run_id", allow_blank=True)
    attempts = AttemptOut(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = ["id", "webhook", "event_type", "run", "status", "attempt_count", "last_status_code",
                  "last_error", "next_retry_at", "created_at", "delivered_at", "attempts"]


class DeliveryPageOut(serializers.Serializer):
    data = DeliveryOut(many=True)
    next_cursor = serializers.CharField(allow_null=True)


class SigningSecretOut(serializers.Serializer):
    secret = serializers.CharField(help_text="The new `whsec_…` signing secret. Shown only in this response.")
    created_at = serializers.DateTimeField()
    rotated_at = serializers.DateTimeField(allow_null=True)
