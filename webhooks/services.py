"""Writes for webhooks: endpoint subscriptions, secret rotation and redelivery."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from agent_platform.service_errors import InputRejected
from runtime.tools.ssrf import HttpPolicy, is_public_address, parse_ip_literal
from webhooks import signing
from webhooks.events import ALL_EVENTS, EVENT_TYPES
from webhooks.models import WebhookDelivery, WebhookEndpoint

MAX_URL = 2000


def validate_url(project, url: Any) -> str:
    """An http(s) URL with a host; an IP literal must be public or in the project's allow-list.
    Host names are checked by the SSRF guard at each delivery (DNS answers change)."""
    if not isinstance(url, str) or not url.strip():
        raise InputRejected("url: is required", field="url", code="invalid_url")
    url = url.strip()
    if len(url) > MAX_URL:
        raise InputRejected(f"url: at most {MAX_URL} characters", field="url", code="invalid_url")
    try:
        parts = urlsplit(url)
        hostname = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise InputRejected("url: is not a valid URL", field="url", code="invalid_url") from None
    if parts.scheme not in ("http", "https") or not hostname:
        raise InputRejected("url: must be an http or https URL with a host", field="url", code="invalid_url")
    literal = parse_ip_literal(hostname)
    policy = HttpPolicy(allow=tuple(project.http_allowlist))
    if literal is not None and not (is_public_address(literal) or policy.allows_ip(literal)):
        raise InputRejected(f"url: {hostname} is not a public address; allow-list it in the project's HTTP policy",
                            field="url", code="invalid_url")
    return url


def validate_event_types(value: Any) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise InputRejected("event_types: a non-empty list of event types", field="event_types",
                            code="invalid_event_types")
    unknown = sorted(set(value) - {*EVENT_TYPES, ALL_EVENTS})
    if unknown:
        raise InputRejected(f"event_types: unknown {', '.join(unknown)} (known: {', '.join(EVENT_TYPES)}, or *)",
                            field="event_types", code="invalid_event_types")
    return sorted(set(value))


def create_endpoint(*, project, url: str, event_types: list[str], description: str = "",
                    enabled: bool = True) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.create(project=project, url=validate_url(project, url),
                                              event_types=validate_event_types(event_types),
                                              description=description, enabled=enabled)
    signing.signing_secret(project)  # every project with an endpoint has its secret from the start
    return endpoint


def update_endpoint(*, endpoint: WebhookEndpoint, data: dict[str, Any]) -> WebhookEndpoint:
    if "url" in data:
        endpoint.url = validate_url(endpoint.project, data["url"])
    if "event_types" in data:
        endpoint.event_types = validate_event_types(data["event_types"])
    for name in ("description", "enabled"):
        if name in data:
            setattr(endpoint, name, data[name])
    endpoint.save()
    return endpoint


def delete_endpoint(*, endpoint: WebhookEndpoint) -> None:
    endpoint.delete()


def rotate_signing_secret(*, project) -> tuple[str, Any]:
    return signing.rotate_secret(project)


def redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send the same frozen body again, under the same webhook-id, with a fresh retry budget."""
    from webhooks import tasks

    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=WebhookDelivery.PENDING,
                                                          next_retry_at=timezone.now())
    transaction.on_commit(lambda: tasks.enqueue_delivery(delivery.pk))
    delivery.refresh_from_db()
    return delivery
