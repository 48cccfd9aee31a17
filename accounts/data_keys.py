"""Per-project data keys (envelope encryption): each project's secrets are encrypted with a random
AES-256 key of its own, stored only wrapped by the master key (accounts/key_provider.py).

A rotation of the master key re-wraps the data keys (a few bytes each) instead of re-encrypting
every secret, and a KMS sees one unwrap per project and process, not one call per secret."""
from __future__ import annotations

import os
import threading
from functools import lru_cache

from django.db import transaction

from accounts.key_provider import key_provider
from accounts.models import ProjectDataKey

_lock = threading.Lock()


def _context(project_id: str, key_id: str) -> str:
    return f"data-key:{project_id}:{key_id}"


def current_data_key(project_id: str) -> tuple[str, bytes]:
    """(id, key) of the project's newest data key, made on first use."""
    row = ProjectDataKey.objects.filter(project_id=project_id).order_by("-created_at", "-id").first()
    if row is None:
        with _lock:
            row = ProjectDataKey(project_id=project_id)
            raw = os.urandom(32)
            row.master_key_id, row.wrapped = key_provider().wrap(raw, context=_context(project_id, row.id))
            row.save()
            return row.id, raw
    return row.id, data_key(row.id)


def data_key(key_id: str) -> bytes:
    row = ProjectDataKey.objects.filter(pk=key_id).values_list("project_id", "master_key_id", "wrapped").first()
    if row is None:
        raise KeyError(f"data key {key_id} does not exist")
    return _unwrapped(key_id, *row)


@lru_cache(maxsize=1024)
def _unwrapped(key_id: str, project_id: str, master_key_id: str, wrapped: str) -> bytes:
    """Cached per wrapped form: a re-wrapped key is looked up (and unwrapped) afresh."""
    return key_provider().unwrap(master_key_id, wrapped, context=_context(project_id, key_id))


def rewrap_data_keys() -> int:
    """Re-wrap every data key not wrapped by the current master key; returns how many."""
    provider = key_provider()
    current = provider.current_key_id()
    changed = 0
    for row in ProjectDataKey.objects.exclude(master_key_id=current).iterator():
        with transaction.atomic():
            locked = ProjectDataKey.objects.select_for_update().get(pk=row.pk)
            if locked.master_key_id == current:
                continue
            raw = provider.unwrap(locked.master_key_id, locked.wrapped, context=_context(locked.project_id, locked.id))
            locked.master_key_id, locked.wrapped = provider.wrap(raw, context=_context(locked.project_id, locked.id))
            locked.save(update_fields=["master_key_id", "wrapped"])
        changed += 1
    return changed
