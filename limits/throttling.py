"""Requests per minute, per project and per API key: a DRF throttle over a sliding one-minute log
in Redis (exact: `Retry-After` is when the oldest counted request leaves the window), and the
`RateLimit-Limit/-Remaining/-Reset` headers on every answer of a rate-limited caller.

Redis down: requests are let through with a logged warning — a request-rate limit protects the
service, and refusing every read while Redis is away protects nothing (run admission, which spends
money, fails closed instead: limits.admission)."""
from __future__ import annotations

import logging
import math
import uuid

import redis
from rest_framework.throttling import BaseThrottle

from accounts.models import ApiKey
from agent_platform.redis_client import redis_client
from limits import counters
from limits.errors import LimitExceeded
from limits.selectors import applicable_limits
from limits.windows import windows

logger = logging.getLogger(__name__)
WINDOW_MS = 60_000


class RequestRateThrottle(BaseThrottle):
    def allow_request(self, request, view) -> bool:
        project = getattr(request, "project", None)
        if project is None:
            return True
        key = request.auth if isinstance(request.auth, ApiKey) else None
        rows = [row for row in applicable_limits(project, key) if row.requests_per_minute is not None]
        if not rows:
            return True
        now_ms = windows().now_ms
        try:
            result = counters.script("request")(
                keys=[counters.rpm_key(row.scope) for row in rows], client=redis_client(),
                args=[now_ms, WINDOW_MS, f"{now_ms}:{uuid.uuid4().hex[:12]}",
                      *(row.requests_per_minute for row in rows)])
        except redis.RedisError as exc:
            logger.warning("limits: Redis unavailable, request rate not checked for %s: %s", project.pk, exc)
            return True
        if int(result[0]) == 0:
            _, index, retry_ms, count, limit = (int(v) for v in result)
            refused = LimitExceeded(limit="requests_per_minute", scope=rows[index].scope, current=count,
                                    maximum=limit, retry_after_ms=retry_ms)
            _remember(request, limit, 0, refused.retry_after_s)
            raise refused
        # The tightest scope is the one to report.
        pairs = [(int(result[1 + 2 * i]), int(result[2 + 2 * i]), row) for i, row in enumerate(rows)]
        remaining, reset_ms, row = min(pairs, key=lambda p: p[0])
        _remember(request, row.requests_per_minute, max(0, remaining), max(1, math.ceil(reset_ms / 1000)))
        return True


def _remember(request, limit: int, remaining: int, reset_s: int) -> None:
    django_request = getattr(request, "_request", request)
    django_request.ratelimit = (limit, remaining, reset_s)


class RateLimitHeadersMiddleware:
    """Adds the rate-limit state the throttle recorded to the response (also to a 429)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        state = getattr(request, "ratelimit", None)
        if state is not None:
            limit, remaining, reset_s = state
            response["RateLimit-Limit"] = str(limit)
            response["RateLimit-Remaining"] = str(remaining)
            response["RateLimit-Reset"] = str(reset_s)
            response["RateLimit-Policy"] = f"{limit};w=60"
        return response
