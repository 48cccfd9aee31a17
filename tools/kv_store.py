"""The `kv` tool's store in Postgres (runtime.tools.kv.KVStore), namespaced by project id.

Tool calls run on a short-lived thread of their own (runtime.tools.executor bounds each call by
its timeout there), and Django opens one database connection per thread: a connection such a
thread opened and never returned was lost to the API's pool, about 20 calls exhausted it.
Every operation therefore releases the connections it opened (`releasing_connections`) and
leaves alone one the calling thread already held (a worker's, or a request's, own connection).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar

from django.db import connections
from django.db.models import Q
from django.utils import timezone

from agent_platform.api.input_boundary import InputRefused, check_json_value
from runtime.errors import ToolInputInvalid
from runtime.tools.kv import MAX_LIST_KEYS, KVItem
from tools.models import KVEntry

F = TypeVar("F", bound=Callable[..., Any])


@contextmanager
def releasing_connections() -> Iterator[None]:
    """Close (return to the pool) the current thread's connections opened inside the block."""
    held = {conn.alias for conn in connections.all(initialized_only=True) if conn.connection is not None}
    try:
        yield
    finally:
        for conn in connections.all(initialized_only=True):
            if conn.alias not in held and conn.connection is not None and not conn.in_atomic_block:
                conn.close()


def _releasing(method: F) -> F:
    @wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with releasing_connections():
            return method(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _storable(value: Any, field: str) -> None:
    """PostgreSQL text/jsonb cannot hold NUL or lone surrogates: a typed input error, not a DataError."""
    try:
        check_json_value(value, field)
    except InputRefused as refused:
        raise ToolInputInvalid(str(refused.detail), field=field) from None


def _live(namespace: str):
    return KVEntry.objects.filter(project_id=namespace).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))


class PostgresKVStore:
    @_releasing
    def get(self, namespace: str, key: str) -> KVItem | None:
        _storable(key, "key")
        entry = _live(namespace).filter(key=key).first()
        if entry is None:
            return None
        return KVItem(key, entry.value, entry.expires_at.timestamp() if entry.expires_at else None)

    @_releasing
    def set(self, namespace: str, key: str, value: Any, ttl_s: float | None = None) -> None:
        _storable(key, "key")
        _storable(value, "value")
        expires = timezone.now() + timedelta(seconds=ttl_s) if ttl_s else None
        KVEntry.objects.update_or_create(project_id=namespace, key=key,
                                         defaults={"value": value, "expires_at": expires,
                                                   "updated_at": timezone.now()})

    @_releasing
    def delete(self, namespace: str, key: str) -> bool:
        _storable(key, "key")
        existed = _live(namespace).filter(key=key).exists()
        KVEntry.objects.filter(project_id=namespace, key=key).delete()
        return existed

    @_releasing
    def list(self, namespace: str, prefix: str = "", limit: int = MAX_LIST_KEYS) -> list[str]:
        _storable(prefix, "prefix")
        query = _live(namespace).filter(key__startswith=prefix).order_by("key")
        return list(query.values_list("key", flat=True)[:limit])
