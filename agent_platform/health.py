"""Liveness and readiness probes."""
from __future__ import annotations

import time

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from redis.backoff import NoBackoff
from redis.retry import Retry


def healthz(request):
    return JsonResponse({"status": "ok"})


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:  # any failure means not ready; the message says why
        return f"error: {type(exc).__name__}"


def check_redis(url: str | None = None) -> str:
    client = redis.Redis.from_url(url or settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1,
                                  retry=Retry(NoBackoff(), 0))  # a probe answers now, not after retries
    try:
        client.ping()
        return "ok"
    except (redis.RedisError, OSError) as exc:
        return f"error: {type(exc).__name__}"
    finally:
        client.close()


def readyz(request):
    started = time.perf_counter()
    checks = {"database": check_database(), "redis": check_redis()}
    ready = all(value == "ok" for value in checks.values())
    body = {"status": "ready" if ready else "not_ready", "checks": checks,
            "elapsed_ms": round((time.perf_counter() - started) * 1000, 2)}
    return JsonResponse(body, status=200 if ready else 503)
