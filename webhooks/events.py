"""Events become deliveries: the body is built (and frozen) when the event happens, one
delivery per destination — every enabled endpoint subscribed to the type, plus a run's own
`webhook_url` — and each delivery is queued as an RQ job (after the surrounding commit)."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from django.db import transaction

from webhooks.models import WebhookDelivery, WebhookEndpoint

RUN_EVENT_TYPES = ("run.succeeded", "run.failed", "run.waiting", "run.cancelled", "run.timed_out")
ALERT_EVENT_TYPES = ("alert.firing", "alert.resolved")  # alerts.notifications
BUDGET_EVENT_TYPES = ("budget.threshold",)  # limits.thresholds: 80 % and 100 % of a budget
EVENT_TYPES = (*RUN_EVENT_TYPES, "eval.completed", *BUDGET_EVENT_TYPES, *ALERT_EVENT_TYPES)
ALL_EVENTS = "*"


def event_body(event_type: str, data: dict[str, Any], *, at: datetime | None = None) -> str:
    """The Standard Webhooks body `{type, timestamp, data}` as the exact text to send."""
    stamp = (at or datetime.now(UTC)).astimezone(UTC).isoformat().replace("+00:00", "Z")
    return json.dumps({"type": event_type, "timestamp": stamp, "data": data}, separators=(",", ":"), default=str)


def notify_project_event(project, type: str, data: dict[str, Any], *, run_id: str = "",
                         extra_url: str = "", endpoint_ids: list[str] | None = None) -> list[WebhookDelivery]:
    """Record and queue one delivery of the event `type` (a snapshot of `data`, now) to every
    endpoint of `project` subscribed to it, and to `extra_url` (a run's `webhook_url`) if given.
    `endpoint_ids` (an alert rule's endpoints) get it too, whatever they subscribe to. The snapshot
    goes through the project's redactor before it is frozen."""
    from accounts.redaction_policy import redactor_for

    body = event_body(type, redactor_for(project).data(data))
    chosen = set(endpoint_ids or ())
    endpoints = [e for e in WebhookEndpoint.objects.filter(project=project, enabled=True)
                 if e.wants(type) or e.pk in chosen]
    deliveries = [WebhookDelivery(project=project, endpoint=e, event_type=type, payload=body, run_id=run_id)
                  for e in endpoints]
    if extra_url:
        deliveries.append(WebhookDelivery(project=project, url=extra_url, event_type=type, payload=body,
                                          run_id=run_id))
    if not deliveries:
        return []
    WebhookDelivery.objects.bulk_create(deliveries)
    from webhooks import tasks

    for delivery in deliveries:
        transaction.on_commit(lambda pk=delivery.pk: tasks.enqueue_delivery(pk))
    return deliveries


def run_snapshot(run) -> dict[str, Any]:
    return {"run": {"id": run.pk, "status": run.status, "kind": run.kind, "agent_id": run.agent_id,
                    "workflow_id": run.workflow_id, "output": run.output, "error": run.error, "usage": run.usage,
                    "waiting_for": run.waiting_for, "metadata": run.metadata}}


def notify_run_event(run, event_type: str) -> list[WebhookDelivery]:
    """The snapshot is read now, from the committed row (the executor's object may be stale)."""
    from runs.models import Run

    run = Run.objects.select_related("project").get(pk=run.pk)
    return notify_project_event(run.project, event_type, run_snapshot(run), run_id=run.pk,
                                extra_url=run.webhook_url)
