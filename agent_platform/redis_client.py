"""The process's Redis client: `redis_client()` for `settings.REDIS_URL`, created once.

Everything that talks to Redis from Django code uses it — run event publishing, the RQ queues,
tool rate limits, the response cache, webhook enqueues, readiness checks — so a process holds one
connection pool however many features it uses. (`redis.Redis` is thread-safe: each command takes a
connection from the pool.) The async subscriber of live streams (`runs.pubsub.EventHub`) opens its
own asyncio client per event loop with `async_redis_client`.
"""
from __future__ import annotations

import threading

import redis
import redis.asyncio as aioredis
from django.conf import settings

_client: redis.Redis | None = None
_lock = threading.Lock()


def redis_client() -> redis.Redis:
    """The shared client of this process."""
    global _client
    if _client is None:
        with _lock:
            if _client is None:
                _client = redis.Redis.from_url(settings.REDIS_URL)
    return _client


def async_redis_client(url: str | None = None) -> aioredis.Redis:
    """A new asyncio client (one per event loop: asyncio connections cannot cross loops)."""
    return aioredis.Redis.from_url(url or settings.REDIS_URL)
