"""Workers and their dependencies (PostgreSQL, Redis): which errors mean "a dependency dropped",
and waiting — with backoff, never giving up — until both answer again.

A transient error is not the run's fault: the run is handed back to the queue (not failed) and
the worker waits here before taking the next job. Reconnecting means dropping the broken
connections (Django's, the pool's idle ones, the run writer's and the Redis clients'); the next
use opens fresh ones.
"""
from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable

import redis
from django.db import connections

from agent_platform.outages import TRANSIENT_ERRORS, DependencyLost, is_dependency_outage

__all__ = ["TRANSIENT_ERRORS", "Backoff", "DependencyLost", "is_transient", "outage", "wait_until_available"]
logger = logging.getLogger(__name__)
is_transient = is_dependency_outage


class Backoff:
    """Exponential delays with jitter: 0.1 s doubling up to `max_s`."""

    def __init__(self, *, base_s: float = 0.1, max_s: float = 5.0) -> None:
        self.base_s, self.max_s, self.attempt = base_s, max_s, 0

    def next_delay(self) -> float:
        delay = min(self.max_s, self.base_s * (2 ** self.attempt))
        self.attempt += 1
        return delay * (0.5 + random.random() / 2)

    def reset(self) -> None:
        self.attempt = 0


def drop_database_connections() -> None:
    """Close this thread's Django connections, the idle pooled ones that are broken, and the run
    writer's connection: the next query reconnects."""
    from runs import db

    for conn in connections.all(initialized_only=True):
        try:
            conn.close()
        except Exception:  # noqa: BLE001 - closing a broken connection may itself fail
            logger.debug("closing %s failed", conn.alias, exc_info=True)
        pool = getattr(conn, "pool", None)  # Django's psycopg pool, when configured
        if pool is not None:
            try:
                pool.check()  # discards idle connections that died with the server
            except Exception:  # noqa: BLE001
                logger.debug("pool check failed", exc_info=True)
    db.reset()


def database_ready() -> bool:
    from runs.db import writer

    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
        with writer() as cur:
            cur.execute("SELECT 1")
        return True
    except TRANSIENT_ERRORS:
        return False


def redis_ready() -> bool:
    from agent_platform.redis_client import redis_client

    try:
        return bool(redis_client().ping())
    except (redis.RedisError, OSError):
        return False


def wait_until_available(*, stop: Callable[[], bool] = lambda: False,
                         sleep: Callable[[float], object] = time.sleep) -> bool:
    """Block until PostgreSQL and Redis both answer (reconnecting with backoff), or `stop()`.
    Returns whether they did."""
    backoff = Backoff()
    waited = 0.0
    while not stop():
        drop_database_connections()
        if database_ready() and redis_ready():
            if waited:
                logger.warning("dependencies are back after %.1f s", waited)
            return True
        delay = backoff.next_delay()
        if backoff.attempt in (1, 5) or backoff.attempt % 20 == 0:
            logger.warning("waiting for PostgreSQL/Redis (attempt %d)", backoff.attempt)
        sleep(delay)
        waited += delay
    return False


class Outage:
    """A flag the worker threads share: set when a job met a dropped dependency, so the worker
    reconnects (and waits) before its next job instead of failing it."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def report(self) -> None:
        self._event.set()

    def pending(self) -> bool:
        return self._event.is_set()

    def clear(self) -> None:
        self._event.clear()


outage = Outage()
