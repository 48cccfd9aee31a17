"""Webhook tables: the project's signing secret, endpoint subscriptions, deliveries and attempts.

A delivery is one event for one destination (an endpoint, or a run's own `webhook_url`); its
`payload` is the exact body, frozen when the event happened, so every attempt (retries and
redeliveries) sends the same bytes under the same `webhook-id` (the delivery's id).
"""
from __future__ import annotations

from django.db import models

from agent_platform.ids import new_id


def new_endpoint_id() -> str:
    return new_id("whk")


def new_delivery_id() -> str:
    return new_id("msg")


class WebhookSigningSecret(models.Model):
    """One per project; `token` is the `whsec_…` secret sealed with accounts.crypto."""

    project = models.OneToOneField("accounts.Project", on_delete=models.CASCADE, related_name="webhook_secret")
    token = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    rotated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"webhook signing secret of {self.project_id}"


class WebhookEndpoint(models.Model):
    id = models.CharField(primary_key=True, max_length=40, default=new_endpoint_id, editable=False)
    project = models.ForeignKey("accounts.Project", on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.CharField(max_length=2000)
    description = models.CharField(max_length=500, blank=True, default="")
    event_types = models.JSONField(default=list, help_text='Event types to send, or ["*"] for all.')
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["project", "-created_at"])]

    def __str__(self) -> str:
        return self.url

    def wants(self, event_type: str) -> bool:
        return self.enabled and ("*" in self.event_types or event_type in self.event_types)


class WebhookDelivery(models.Model):
    PENDING, SUCCEEDED, FAILED = "pending", "succeeded", "failed"
    STATUSES = [(PENDING, PENDING), (SUCCEEDED, SUCCEEDED), (FAILED, FAILED)]

    id = models.CharField(primary_key=True, max_length=40, default=new_delivery_id, editable=False)
    project = models.ForeignKey("accounts.Project", on_delete=models.CASCADE, related_name="webhook_deliveries")
    endpoint = models.ForeignKey(WebhookEndpoint, null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="deliveries")
    url = models.CharField(max_length=2000, blank=True, default="",
                           help_text="The destination of a run's own webhook_url (endpoint deliveries use the "
                                     "endpoint's current URL).")
    run_id = models.CharField(max_length=40, blank=True, default="", db_index=True)
    event_type = models.CharField(max_length=60)
    payload = models.TextField(help_text="The exact JSON body, frozen when the event happened.")
    status = models.CharField(max_length=12, choices=STATUSES, default=PENDING)
    attempt_count = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    next_retry_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["endpoint", "-created_at"]), models.Index(fields=["project", "-created_at"])]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event_type} → {self.target_url}"

    @property
    def target_url(self) -> str:
        return self.endpoint.url if self.endpoint_id else self.url


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, default="")
    response_excerpt = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="webhook_attempt_number_unique")]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.delivery_id}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
