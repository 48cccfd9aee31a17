"""Signed webhooks for runs: `run.waiting` and the terminal event are POSTed to the run's
`webhook_url` by an RQ job, retried with backoff, through the SSRF-safe HTTP client.

Body: `{"type", "run": {id, status, output, error, usage, waiting_for}, "sent_at"}`. If the
project has a `WEBHOOK_SIGNING_SECRET` secret, `X-Platform-Signature: t=<unix>,v1=<hex>` is the
HMAC-SHA256 of `"<t>.<body>"` with it (verify the time window and compare in constant time).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time

import django_rq
from rq import Retry

from agent_platform.redis_client import redis_client

logger = logging.getLogger(__name__)
RETRY_INTERVALS = [1, 5, 30, 120, 600]
SIGNING_SECRET = "WEBHOOK_SIGNING_SECRET"


def notify(run, event_type: str) -> None:
    if run.webhook_url:
        django_rq.get_queue("default", connection=redis_client()).enqueue("runs.webhooks.deliver", run.pk, event_type,
                                               retry=Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS),
                                               result_ttl=0, failure_ttl=7 * 86_400)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def payload(run, event_type: str) -> bytes:
    data = {"type": event_type, "sent_at": time.time(),
            "run": {"id": run.pk, "status": run.status, "output": run.output, "error": run.error,
                    "usage": run.usage, "waiting_for": run.waiting_for}}
    return json.dumps(data, separators=(",", ":"), default=str).encode()


def deliver(run_id: str, event_type: str) -> int:
    """The RQ job: one delivery attempt; raising makes RQ retry it later."""
    from accounts.services import reveal_secrets
    from runs.models import Run
    from runtime.tools.http_client import HttpRequest, SafeHttpClient
    from runtime.tools.ssrf import HttpPolicy

    run = Run.objects.select_related("project").get(pk=run_id)
    body = payload(run, event_type)
    headers = {"Content-Type": "application/json", "User-Agent": "agent-platform-webhooks/1",
               "X-Platform-Event": event_type, "X-Platform-Run": run.pk}
    secret = reveal_secrets(run.project, [SIGNING_SECRET]).get(SIGNING_SECRET)
    if secret:
        headers["X-Platform-Signature"] = sign(secret, int(time.time()), body)
    policy = HttpPolicy(allow=tuple(run.project.http_allowlist), timeout_s=10, max_redirects=0)
    request = HttpRequest("POST", run.webhook_url, headers=headers, content=body, follow_redirects=False)
    response = SafeHttpClient().send(request, policy)
    if response.status >= 300:
        raise RuntimeError(f"webhook answered {response.status}")
    return response.status
