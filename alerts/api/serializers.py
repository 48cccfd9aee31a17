from __future__ import annotations

from rest_framework import serializers

from agent_platform.api.serializers import StrictSerializer
from agent_platform.definitions.models import ENVIRONMENTS
from alerts.metrics import METRICS
from alerts.models import COMPARISONS, AlertEvent, AlertRule
from alerts.services import MAX_COOLDOWN_S, MAX_EMAILS, MAX_WEBHOOKS, MAX_WINDOW_S, MIN_WINDOW_S

METRIC_HELP = "; ".join(f"`{name}` ({module.UNIT}): {module.DESCRIPTION}" for name, module in METRICS.items())


class AlertRuleIn(StrictSerializer):
    name = serializers.CharField(max_length=200)
    metric = serializers.ChoiceField(choices=list(METRICS), help_text=METRIC_HELP)
    comparison = serializers.ChoiceField(choices=list(COMPARISONS.items()), required=False,
                                         help_text="gt, gte, lt or lte (default gt); `run_count` `lt` 1 is an "
                                                   "absence rule")
    threshold = serializers.FloatField(help_text="In the metric's unit (a ratio 0..1 for rates)")
    window_s = serializers.IntegerField(min_value=MIN_WINDOW_S, max_value=MAX_WINDOW_S, required=False,
                                        help_text="Sliding window in seconds (default 300)")
    cooldown_s = serializers.IntegerField(min_value=0, max_value=MAX_COOLDOWN_S, required=False,
                                          help_text="At most one firing per this many seconds (default 3600)")
    agent = serializers.CharField(max_length=100, required=False, allow_null=True, allow_blank=True,
                                  help_text="Agent id or name: only its runs/evals")
    workflow = serializers.CharField(max_length=100, required=False, allow_null=True, allow_blank=True,
                                     help_text="Workflow id or name: only its runs/evals")
    environment = serializers.ChoiceField(choices=["", *ENVIRONMENTS], required=False,
                                          help_text="Only runs started in this environment (empty: all)")
    webhooks = serializers.ListField(child=serializers.CharField(max_length=40), max_length=MAX_WEBHOOKS,
                                     required=False, help_text="Webhook endpoint ids (whk_…) of the project")
    emails = serializers.ListField(child=serializers.EmailField(max_length=254), max_length=MAX_EMAILS,
                                   required=False)
    enabled = serializers.BooleanField(required=False)


class AlertRulePatch(AlertRuleIn):
    name = serializers.CharField(max_length=200, required=False)
    metric = serializers.ChoiceField(choices=list(METRICS), required=False, help_text=METRIC_HELP)
    threshold = serializers.FloatField(required=False)


class AlertRuleOut(serializers.ModelSerializer):
    agent = serializers.CharField(source="agent_id", allow_null=True)
    workflow = serializers.CharField(source="workflow_id", allow_null=True)
    webhooks = serializers.SerializerMethodField()
    emails = serializers.ListField(child=serializers.EmailField())
    state = serializers.ChoiceField(choices=["ok", "firing"])

    class Meta:
        model = AlertRule
        fields = ["id", "name", "metric", "comparison", "threshold", "window_s", "cooldown_s", "agent", "workflow",
                  "environment", "webhooks", "emails", "enabled", "state", "last_value", "last_evaluated_at",
                  "last_fired_at", "created_at", "updated_at"]

    def get_webhooks(self, rule) -> list[str]:
        return sorted(endpoint.pk for endpoint in rule.webhook_endpoints.all())


class AlertRulePageOut(serializers.Serializer):
    data = AlertRuleOut(many=True)
    next_cursor = serializers.CharField(allow_null=True)


class AlertOut(serializers.ModelSerializer):
    rule = serializers.CharField(source="rule_id")
    rule_name = serializers.CharField(source="rule.name")
    state = serializers.ChoiceField(choices=["firing", "resolved"])
    webhook_deliveries = serializers.ListField(child=serializers.CharField(),
                                               help_text="Delivery ids (msg_…): GET /webhooks/{id}/deliveries")
    emails = serializers.ListField(child=serializers.EmailField())

    class Meta:
        model = AlertEvent
        fields = ["id", "rule", "rule_name", "state", "value", "metric", "comparison", "threshold", "window_s", "at",
                  "webhook_deliveries", "emails", "email_sent_at", "email_error", "created_at"]


class AlertPageOut(serializers.Serializer):
    data = AlertOut(many=True)
    next_cursor = serializers.CharField(allow_null=True)
