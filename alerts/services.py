"""Writes for alert rules (the API and the console both come here, so both check the same things)."""
from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from agent_platform.definitions.models import ENVIRONMENTS
from agent_platform.service_errors import InvalidField
from alerts.metrics import METRICS
from alerts.models import COMPARISONS, AlertRule

MIN_WINDOW_S, MAX_WINDOW_S = 60, 7 * 86_400
MAX_COOLDOWN_S = 7 * 86_400
MAX_EMAILS = MAX_WEBHOOKS = 20
FIELDS = ("name", "metric", "comparison", "threshold", "window_s", "cooldown_s", "environment", "emails", "enabled")


def clean_rule_fields(data: dict[str, Any]) -> dict[str, Any]:
    if "name" in data and not str(data["name"]).strip():
        raise InvalidField("name", "must not be blank")
    if "metric" in data and data["metric"] not in METRICS:
        raise InvalidField("metric", f"unknown metric (known: {', '.join(METRICS)})")
    if "comparison" in data and data["comparison"] not in COMPARISONS:
        raise InvalidField("comparison", f"one of {', '.join(COMPARISONS)}")
    if "threshold" in data and not (isinstance(data["threshold"], (int, float)) and math.isfinite(data["threshold"])):
        raise InvalidField("threshold", "must be a finite number")
    if "window_s" in data and not MIN_WINDOW_S <= data["window_s"] <= MAX_WINDOW_S:
        raise InvalidField("window_s", f"between {MIN_WINDOW_S} and {MAX_WINDOW_S} seconds")
    if "cooldown_s" in data and not 0 <= data["cooldown_s"] <= MAX_COOLDOWN_S:
        raise InvalidField("cooldown_s", f"between 0 and {MAX_COOLDOWN_S} seconds")
    if data.get("environment") and data["environment"] not in ENVIRONMENTS:
        raise InvalidField("environment", f"one of {', '.join(ENVIRONMENTS)} (or empty for all)")
    if "emails" in data:
        data["emails"] = _emails(data["emails"])
    return data


def _emails(value: Any) -> list[str]:
    if not isinstance(value, list) or len(value) > MAX_EMAILS:
        raise InvalidField("emails", f"a list of at most {MAX_EMAILS} addresses")
    addresses = []
    for index, address in enumerate(value):
        try:
            validate_email(address)
        except (ValidationError, TypeError):
            raise InvalidField(f"emails.{index}", "is not a valid email address") from None
        if address not in addresses:
            addresses.append(address)
    return addresses


def _target(project, model, field: str, value: str | None):
    if not value:
        return None
    target = model.objects.filter(project=project, pk=value).first() or \
        model.objects.filter(project=project, name=value).first()
    if target is None:
        raise InvalidField(field, f"no {field} {value!r} in this project")
    return target


def _endpoints(project, ids: Any) -> list:
    from webhooks.models import WebhookEndpoint

    if not isinstance(ids, list) or len(ids) > MAX_WEBHOOKS:
        raise InvalidField("webhooks", f"a list of at most {MAX_WEBHOOKS} webhook endpoint ids")
    found = {e.pk: e for e in WebhookEndpoint.objects.filter(project=project, pk__in=ids)}
    for index, endpoint_id in enumerate(ids):
        if endpoint_id not in found:
            raise InvalidField(f"webhooks.{index}", f"no webhook endpoint {endpoint_id!r} in this project")
    return list(found.values())


def _apply(rule: AlertRule, data: dict[str, Any]) -> list | None:
    from agents.models import Agent
    from workflows.models import Workflow

    for name in FIELDS:
        if name in data:
            setattr(rule, name, data[name])
    if "agent" in data:
        rule.agent = _target(rule.project, Agent, "agent", data["agent"])
    if "workflow" in data:
        rule.workflow = _target(rule.project, Workflow, "workflow", data["workflow"])
    if rule.agent_id and rule.workflow_id:
        raise InvalidField("workflow", "a rule targets an agent or a workflow, not both")
    return _endpoints(rule.project, data["webhooks"]) if "webhooks" in data else None


def create_rule(*, project, data: dict[str, Any]) -> AlertRule:
    data = clean_rule_fields(dict(data))
    for required in ("name", "metric", "threshold"):
        if required not in data:
            raise InvalidField(required, "is required")
    rule = AlertRule(project=project)
    endpoints = _apply(rule, data)
    with transaction.atomic():
        rule.save()
        if endpoints is not None:
            rule.webhook_endpoints.set(endpoints)
    return rule


def update_rule(*, rule: AlertRule, data: dict[str, Any]) -> AlertRule:
    data = clean_rule_fields(dict(data))
    endpoints = _apply(rule, data)
    with transaction.atomic():
        rule.save()
        if endpoints is not None:
            rule.webhook_endpoints.set(endpoints)
    return rule


def delete_rule(*, rule: AlertRule) -> None:
    rule.delete()
