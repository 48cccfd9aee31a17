"""Run webhooks: `run.waiting` and the terminal event of a run become Standard Webhooks
deliveries (webhooks/ app) to the run's own `webhook_url` and to every project endpoint
subscribed to the type.

Body `{"type", "timestamp", "data": {"run": {id, status, output, error, usage, waiting_for, ...}}}`,
frozen when the event happens; headers `webhook-id` / `webhook-timestamp` / `webhook-signature`
signed with the project's webhook signing secret (see docs/webhooks.md). If the project still has
a `WEBHOOK_SIGNING_SECRET` secret, the first webhooks' `X-Platform-Signature: t=<unix>,v1=<hex>`
(HMAC-SHA256 of `"<t>.<body>"`, webhooks/signing.py `legacy_sign`) is sent as well.
"""
from __future__ import annotations


def notify(run, event_type: str, *, subscribed: bool | None = None) -> None:
    """Deliver the event if anyone wants it: the run's `webhook_url`, or an enabled endpoint of its
    project subscribed to the type (`subscribed`, when the transition's statement answered it
    already, else one light query; the snapshot is built only then)."""
    from webhooks.events import notify_run_event

    if subscribed is None and not run.webhook_url:
        subscribed = _subscribed(run.project_id, event_type)
    if run.webhook_url or subscribed:
        notify_run_event(run, event_type)


def subscribed_sql(project: str, event_type: str) -> str:
    """The SQL condition: an enabled endpoint of the project in `project` (a column or a
    placeholder) wants the type in `event_type` (`WebhookEndpoint.wants`: its `event_types` list
    holds it or "*"). Also read inside the terminal transition's statement (runs.lifecycle)."""
    from webhooks.models import WebhookEndpoint

    return (f'EXISTS (SELECT 1 FROM "{WebhookEndpoint._meta.db_table}" w WHERE w.project_id = {project} '
            f"AND w.enabled AND (w.event_types ? '*' OR w.event_types ? {event_type}))")


def _subscribed(project_id: str, event_type: str) -> bool:
    """Whether an enabled endpoint of the project wants the type, in one raw statement."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {subscribed_sql('%s', '%s')}", [project_id, event_type])
        return bool(cursor.fetchone()[0])
