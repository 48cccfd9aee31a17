"""Telling people: a signed webhook delivery (webhooks app, Standard Webhooks) to the rule's
endpoints and to every endpoint subscribed to `alert.firing`/`alert.resolved`, and one email to
the rule's addresses through Django's email backend, sent by an RQ job with retries."""
from __future__ import annotations

import logging
from typing import Any

import django_rq
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from rq import Retry

from agent_platform.redis_client import redis_client
from alerts.models import FIRING, AlertEvent, AlertRule

logger = logging.getLogger(__name__)
QUEUE = "default"
EMAIL_RETRY_INTERVALS = [10, 60, 300]


def event_data(event: AlertEvent, rule: AlertRule) -> dict[str, Any]:
    return {"alert": {"id": event.pk, "state": event.state, "value": event.value, "at": event.at.isoformat(),
                      "metric": event.metric, "comparison": event.comparison, "threshold": event.threshold,
                      "window_s": event.window_s},
            "rule": {"id": rule.pk, "name": rule.name, "agent_id": rule.agent_id, "workflow_id": rule.workflow_id,
                     "environment": rule.environment},
            "project": {"id": rule.project_id}}


def notify(event: AlertEvent, rule: AlertRule) -> None:
    """Record the deliveries (inside the caller's transaction; queued after its commit)."""
    from webhooks.events import notify_project_event

    deliveries = notify_project_event(rule.project, f"alert.{event.state}", event_data(event, rule),
                                      endpoint_ids=list(rule.webhook_endpoints.values_list("pk", flat=True)))
    event.webhook_deliveries = [delivery.pk for delivery in deliveries]
    event.save(update_fields=["webhook_deliveries"])
    if event.emails:
        transaction.on_commit(lambda: enqueue_email(event.pk))


def enqueue_email(event_id: str):
    return django_rq.get_queue(QUEUE, connection=redis_client()).enqueue(
        "alerts.tasks.send_alert_email", event_id, retry=Retry(max=len(EMAIL_RETRY_INTERVALS),
                                                               interval=EMAIL_RETRY_INTERVALS),
        result_ttl=0, failure_ttl=7 * 86_400)


def compose_email(event: AlertEvent, rule: AlertRule) -> EmailMessage:
    symbol = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}.get(event.comparison, event.comparison)
    value = "no data" if event.value is None else f"{event.value:g}"
    scope = ", ".join(f"{name} {value}" for name, value in (("agent", rule.agent_id), ("workflow", rule.workflow_id),
                                                             ("environment", rule.environment)) if value)
    subject = f"[{event.state.upper()}] {rule.name}: {event.metric} {value}"
    lines = [
        f"Alert rule \"{rule.name}\" ({rule.pk}) of project {rule.project.slug} is {event.state}.",
        "",
        f"Condition: {event.metric} {symbol} {event.threshold:g} over the last {event.window_s} s"
        + (f" ({scope})" if scope else ""),
        f"Value: {value}",
        f"At: {event.at.isoformat()}",
        f"Alert: {event.pk}",
    ]
    if event.state == FIRING:
        lines.append(f"It will not fire again for {rule.cooldown_s} s (its cool-down).")
    return EmailMessage(subject=subject, body="\n".join(lines) + "\n", from_email=settings.DEFAULT_FROM_EMAIL,
                        to=list(event.emails))


def send_email(event_id: str) -> bool:
    """Send the event's email unless it was sent already; an SMTP error is recorded and re-raised
    (RQ retries the job)."""
    event = AlertEvent.objects.select_related("rule__project").filter(pk=event_id).first()
    if event is None or event.email_sent_at is not None or not event.emails:
        return False
    try:
        compose_email(event, event.rule).send(fail_silently=False)
    except Exception as exc:
        message = f"{type(exc).__name__}: {exc}"[:500]
        AlertEvent.objects.filter(pk=event_id).update(email_error=message)
        logger.warning("alert %s: email not sent: %s", event_id, message)
        raise
    AlertEvent.objects.filter(pk=event_id).update(email_sent_at=timezone.now(), email_error="")
    return True
