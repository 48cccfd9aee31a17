"""Reads for webhooks, always scoped to one project."""
from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from webhooks.models import WebhookDelivery, WebhookEndpoint


def endpoints_for_project(project) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(project=project)


def endpoint_of_project(project, endpoint_id: str) -> WebhookEndpoint:
    return get_object_or_404(WebhookEndpoint.objects.select_related("project"), pk=endpoint_id, project=project)


def deliveries_of_endpoint(endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(endpoint=endpoint).prefetch_related("attempts")


def delivery_of_project(project, delivery_id: str) -> WebhookDelivery:
    return get_object_or_404(WebhookDelivery.objects.select_related("project", "endpoint"), pk=delivery_id,
                             project=project)
