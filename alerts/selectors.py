"""Reads for alerts, always scoped to one project."""
from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from alerts.models import AlertEvent, AlertRule


def rules_for_project(project) -> QuerySet[AlertRule]:
    return AlertRule.objects.filter(project=project).prefetch_related("webhook_endpoints")


def rule_of_project(project, rule_id: str) -> AlertRule:
    return get_object_or_404(AlertRule.objects.select_related("project").prefetch_related("webhook_endpoints"),
                             pk=rule_id, project=project)


def alerts_for_project(project, *, rule_id: str | None = None, state: str | None = None) -> QuerySet[AlertEvent]:
    events = AlertEvent.objects.filter(project=project).select_related("rule")
    if rule_id:
        events = events.filter(rule_id=rule_id)
    if state:
        events = events.filter(state=state)
    return events
