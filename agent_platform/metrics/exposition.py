"""`GET /metrics`: every process's samples of this host (multiprocess mode) plus the scrape-time
gauges, in the Prometheus text format (or OpenMetrics when the scraper asks for it).

Protected by a scrape token: `Authorization: Bearer $PLATFORM_METRICS_TOKEN`. Without a token
configured the endpoint is off (403), so metrics are never public by accident; a missing or
wrong token is 401. Outside /api: not part of the OpenAPI document (like /healthz).
"""
from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_safe
from prometheus_client import CollectorRegistry, multiprocess
from prometheus_client.exposition import choose_encoder

from agent_platform.metrics import instruments  # noqa: F401 - the families exist (at zero) from the first scrape
from agent_platform.metrics.collectors import StateCollector

PROBLEM = "application/problem+json"


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(StateCollector())
    return registry


_REGISTRY = _registry()


def _problem(status: int, title: str, detail: str) -> JsonResponse:
    response = JsonResponse({"type": "about:blank", "title": title, "status": status, "detail": detail},
                            status=status, content_type=PROBLEM)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
    return response


def authorized(header: str, token: str) -> bool:
    scheme, _, presented = header.partition(" ")
    return scheme.lower() == "bearer" and bool(presented) and hmac.compare_digest(presented.strip().encode(),
                                                                                  token.encode())


@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    token = settings.PLATFORM_METRICS_TOKEN
    if not token:
        return _problem(403, "Metrics disabled", "set PLATFORM_METRICS_TOKEN to enable /metrics")
    if not authorized(request.headers.get("Authorization", ""), token):
        return _problem(401, "Unauthorized", "send Authorization: Bearer <PLATFORM_METRICS_TOKEN>")
    encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
    return HttpResponse(encoder(_REGISTRY), content_type=content_type)
