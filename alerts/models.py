"""Alert rules and their history.

A rule watches one metric of a project (optionally of one agent, workflow or environment) over a
sliding window and compares it with a threshold; it is evaluated every minute by the scheduler
(alerts.evaluation). `state` is where the rule stands now (`ok` or `firing`); every change of state
is an `AlertEvent` (`firing` or `resolved`) with the value that caused it, and is notified to the
rule's channels. A rule fires at most once per `cooldown_s`.
"""
from __future__ import annotations

from datetime import timedelta

from django.db import models

from agent_platform.ids import new_id

OK, FIRING, RESOLVED = "ok", "firing", "resolved"
COMPARISONS = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


def new_rule_id() -> str:
    return new_id("alr")


def new_event_id() -> str:
    return new_id("alt")


class AlertRule(models.Model):
    id = models.CharField(primary_key=True, max_length=40, default=new_rule_id, editable=False)
    project = models.ForeignKey("accounts.Project", on_delete=models.CASCADE, related_name="alert_rules")
    name = models.CharField(max_length=200)
    metric = models.CharField(max_length=32, help_text="error_rate, p95_latency_ms, cost_usd, run_count, "
                                                       "queue_age_s or eval_pass_rate (alerts/metrics/)")
    agent = models.ForeignKey("agents.Agent", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                              help_text="Only this agent's runs (or evals); empty: the whole project.")
    workflow = models.ForeignKey("workflows.Workflow", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="+", help_text="Only this workflow's runs (or evals).")
    environment = models.CharField(max_length=8, blank=True, default="",
                                   help_text="Only runs started in this environment (dev, stage, prod).")
    window_s = models.PositiveIntegerField(default=300, help_text="The sliding window, in seconds.")
    comparison = models.CharField(max_length=4, choices=[(k, v) for k, v in COMPARISONS.items()], default="gt")
    threshold = models.FloatField()
    cooldown_s = models.PositiveIntegerField(default=3600, help_text="At most one firing per this many seconds.")
    webhook_endpoints = models.ManyToManyField("webhooks.WebhookEndpoint", blank=True, related_name="+",
                                               help_text="Signed alert.firing / alert.resolved deliveries.")
    emails = models.JSONField(default=list, blank=True, help_text="Addresses that get an email on each change.")
    enabled = models.BooleanField(default=True)
    state = models.CharField(max_length=8, choices=[(OK, OK), (FIRING, FIRING)], default=OK)
    last_value = models.FloatField(null=True, blank=True)
    last_evaluated_at = models.DateTimeField(null=True, blank=True)
    last_fired_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["project", "-created_at"], name="alert_rule_project_created")]

    def __str__(self) -> str:
        return self.name

    def condition(self) -> str:
        return f"{self.metric} {COMPARISONS.get(self.comparison, self.comparison)} {self.threshold:g}"

    def breached(self, value: float | None) -> bool | None:
        """Whether `value` meets the condition; None when there is no value (no data)."""
        if value is None:
            return None
        return {"gt": value > self.threshold, "gte": value >= self.threshold,
                "lt": value < self.threshold, "lte": value <= self.threshold}[self.comparison]

    def cooling_down(self, now) -> bool:
        return self.last_fired_at is not None and now - self.last_fired_at < timedelta(seconds=self.cooldown_s)


class AlertEvent(models.Model):
    """One change of a rule's state, with a snapshot of the rule's condition at the time."""

    id = models.CharField(primary_key=True, max_length=40, default=new_event_id, editable=False)
    project = models.ForeignKey("accounts.Project", on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="events")
    state = models.CharField(max_length=8, choices=[(FIRING, FIRING), (RESOLVED, RESOLVED)])
    value = models.FloatField(null=True)
    metric = models.CharField(max_length=32)
    comparison = models.CharField(max_length=4)
    threshold = models.FloatField()
    window_s = models.PositiveIntegerField()
    at = models.DateTimeField(help_text="The evaluation time (the scheduler's tick).")
    webhook_deliveries = models.JSONField(default=list, blank=True)
    emails = models.JSONField(default=list, blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    email_error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["project", "-at"], name="alert_event_project_at")]
        # One evaluation, one change: a second evaluator of the same tick cannot add a twin.
        constraints = [models.UniqueConstraint(fields=["rule", "at"], name="alert_event_rule_at_unique")]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.state} at {self.at:%Y-%m-%d %H:%M}"
