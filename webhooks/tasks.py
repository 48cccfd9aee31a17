"""RQ entry points for webhook deliveries (the `default` queue, as the first webhooks used)."""
from __future__ import annotations

import django_rq
from rq import Retry, get_current_job

from agent_platform.redis_client import redis_client
from webhooks import delivery as delivery_attempt
from webhooks.models import WebhookDelivery

QUEUE = "default"


def enqueue_delivery(delivery_id: str):
    intervals = delivery_attempt.retry_intervals()
    return django_rq.get_queue(QUEUE, connection=redis_client()).enqueue(
        "webhooks.tasks.deliver", delivery_id, retry=Retry(max=len(intervals), interval=intervals),
        result_ttl=0, failure_ttl=7 * 86_400)


def deliver(delivery_id: str) -> int:
    """One attempt; raising makes RQ retry it after the next backoff interval."""
    delivery = WebhookDelivery.objects.select_related("project", "endpoint").filter(pk=delivery_id).first()
    if delivery is None:  # its endpoint was deleted since: nothing left to send
        return 0
    job = get_current_job()
    retries_left, interval = 0, None
    if job is not None and job.retries_left:
        retries_left = job.retries_left
        interval = job.get_retry_interval()
    record = delivery_attempt.attempt(delivery, retries_left=retries_left, next_interval=interval)
    return record.status_code or 0
