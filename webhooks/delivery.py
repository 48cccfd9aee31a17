"""One delivery attempt: sign the frozen body for now, POST it through the SSRF-safe client
(the project's allow-list applies; no redirects), and record the attempt."""
from __future__ import annotations

import time

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from runtime.errors import PlatformError
from runtime.tools.http_client import HttpRequest, SafeHttpClient
from runtime.tools.ssrf import HttpPolicy
from webhooks import signing
from webhooks.models import WebhookAttempt, WebhookDelivery

# Exponential backoff between attempts (seconds): 6 attempts over about an hour.
DEFAULT_RETRY_INTERVALS = [5, 25, 125, 625, 3125]


def retry_intervals() -> list[int]:
    return list(getattr(settings, "WEBHOOK_RETRY_INTERVALS", DEFAULT_RETRY_INTERVALS))


class DeliveryFailed(RuntimeError):
    """The receiver did not answer 2xx (or could not be reached); RQ retries the job."""

    def __init__(self, message: str, *, code: str = "webhook_rejected") -> None:
        super().__init__(message)
        self.code = code


def signed_headers(delivery: WebhookDelivery, secret: str, body: bytes, *, now: int | None = None) -> dict[str, str]:
    stamp = int(time.time()) if now is None else now
    headers = {"Content-Type": "application/json", "User-Agent": "agent-platform-webhooks/2",
               "webhook-id": delivery.pk, "webhook-timestamp": str(stamp),
               "webhook-signature": signing.sign(secret, delivery.pk, stamp, body),
               "X-Platform-Event": delivery.event_type}
    if delivery.run_id:
        headers["X-Platform-Run"] = delivery.run_id
    return headers


def _legacy_signature(delivery: WebhookDelivery, body: bytes, headers: dict[str, str]) -> None:
    """Receivers written for the first webhooks keep their `X-Platform-Signature` check."""
    from accounts.services import reveal_secrets

    legacy = reveal_secrets(delivery.project, [signing.LEGACY_SECRET]).get(signing.LEGACY_SECRET)
    if legacy:
        headers["X-Platform-Signature"] = signing.legacy_sign(legacy, int(headers["webhook-timestamp"]), body)


def attempt(delivery: WebhookDelivery, *, retries_left: int = 0, next_interval: int | None = None) -> WebhookAttempt:
    """POST the delivery once; raises DeliveryFailed (after recording it) when it did not land."""
    project = delivery.project
    body = delivery.payload.encode()
    headers = signed_headers(delivery, signing.signing_secret(project), body)
    _legacy_signature(delivery, body, headers)
    with transaction.atomic():  # a redelivery may run next to a pending retry: number them in turn
        row = WebhookDelivery.objects.select_for_update().filter(pk=delivery.pk)
        number = row.values_list("attempt_count", flat=True).get() + 1
        row.update(attempt_count=F("attempt_count") + 1)
    started, clock = timezone.now(), time.monotonic()
    status_code, error, excerpt, code = None, "", "", "webhook_rejected"
    try:
        policy = HttpPolicy(allow=tuple(project.http_allowlist), timeout_s=10, max_redirects=0,
                            max_response_bytes=64 * 1024)
        request = HttpRequest("POST", delivery.target_url, headers=headers, content=body, follow_redirects=False)
        response = SafeHttpClient().send(request, policy)
        status_code, excerpt = response.status, response.text()[:500]
        if not 200 <= response.status < 300:
            error = f"receiver answered {response.status}"
    except PlatformError as exc:  # refused by the SSRF guard, unreachable, timed out
        code = getattr(exc, "code", "") or type(exc).__name__
        error = f"{code}: {exc}"[:2000]
    latency = int((time.monotonic() - clock) * 1000)
    record = WebhookAttempt.objects.create(delivery=delivery, number=number, started_at=started,
                                           status_code=status_code, latency_ms=latency, error=error,
                                           response_excerpt=excerpt)
    fields = {"last_status_code": status_code, "last_error": error}
    if not error:
        fields.update(status=WebhookDelivery.SUCCEEDED, delivered_at=timezone.now(), next_retry_at=None)
    elif retries_left > 0 and next_interval is not None:
        fields.update(status=WebhookDelivery.PENDING, next_retry_at=timezone.now() + timezone.timedelta(
            seconds=next_interval))
    else:
        fields.update(status=WebhookDelivery.FAILED, next_retry_at=None)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)
    if error:
        raise DeliveryFailed(error, code=code)
    return record
