"""Which errors mean "PostgreSQL or Redis is unavailable" (not a bug, not bad input).

The API answers them 503 problem+json (`agent_platform.api.errors`); workers hand their run back
and reconnect (`runs.dependencies`).
"""
from __future__ import annotations

import psycopg
import redis
from django.db import InterfaceError as DjangoInterfaceError
from django.db import OperationalError as DjangoOperationalError

# psycopg_pool.PoolTimeout is a psycopg.OperationalError; Django wraps both in its own.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    psycopg.OperationalError, psycopg.InterfaceError, DjangoOperationalError, DjangoInterfaceError,
    redis.ConnectionError, redis.TimeoutError, ConnectionError)

# SQLSTATEs of a server that went away or is starting/stopping, or out of resources; other
# OperationalErrors (a cancelled statement, a lock timeout) are the query's own doing.
_SERVER_GONE = ("08", "53", "57P01", "57P02", "57P03")


class DependencyLost(Exception):
    """Work stopped because PostgreSQL or Redis dropped (a run is handed back, not failed)."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(f"{type(cause).__name__}: {cause}")
        self.cause = cause


def _dropped(exc: BaseException) -> bool:
    if isinstance(exc, DependencyLost):
        return True
    if isinstance(exc, psycopg.Error):
        state = exc.sqlstate
        return isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError)) and (
            state is None or state.startswith(_SERVER_GONE))
    if isinstance(exc, (DjangoOperationalError, DjangoInterfaceError)):
        cause = exc.__cause__
        return not isinstance(cause, psycopg.Error) or _dropped(cause)
    # Not the builtin ConnectionError: a tool's refused HTTP connection is the tool's failure,
    # not an outage of the platform's own services (redis-py wraps its socket errors).
    return isinstance(exc, (redis.ConnectionError, redis.TimeoutError))


def is_dependency_outage(exc: BaseException | None) -> bool:
    """Whether `exc`, or an exception it was raised from, is a dropped PostgreSQL/Redis connection."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if _dropped(exc):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False
