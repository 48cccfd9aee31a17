"""The `kv` tool's store in Postgres (runtime.tools.kv.KVStore), namespaced by project id."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from runtime.tools.kv import MAX_LIST_KEYS, KVItem
from tools.models import KVEntry


def _live(namespace: str):
    return KVEntry.objects.filter(project_id=namespace).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))


class PostgresKVStore:
    def get(self, namespace: str, key: str) -> KVItem | None:
        entry = _live(namespace).filter(key=key).first()
        if entry is None:
            return None
        return KVItem(key, entry.value, entry.expires_at.timestamp() if entry.expires_at else None)

    def set(self, namespace: str, key: str, value: Any, ttl_s: float | None = None) -> None:
        expires = timezone.now() + timedelta(seconds=ttl_s) if ttl_s else None
        KVEntry.objects.update_or_create(project_id=namespace, key=key,
                                         defaults={"value": value, "expires_at": expires,
                                                   "updated_at": timezone.now()})

    def delete(self, namespace: str, key: str) -> bool:
        existed = _live(namespace).filter(key=key).exists()
        KVEntry.objects.filter(project_id=namespace, key=key).delete()
        return existed

    def list(self, namespace: str, prefix: str = "", limit: int = MAX_LIST_KEYS) -> list[str]:
        query = _live(namespace).filter(key__startswith=prefix).order_by("key")
        return list(query.values_list("key", flat=True)[:limit])
