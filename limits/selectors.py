"""Reads: the limits that apply to a caller (its project's, and its API key's own)."""
from __future__ import annotations

from django.db.models import Q

from limits.models import Limits


def applicable_limits(project, api_key=None) -> list[Limits]:
    """The project's limits row, then the key's (each only if it exists and sets something)."""
    query = Q(project=project, api_key__isnull=True)
    if api_key is not None:
        query |= Q(project=project, api_key=api_key)
    rows = sorted(Limits.objects.filter(query), key=lambda row: row.api_key_id is not None)
    return [row for row in rows if not row.is_empty()]


def project_limits(project) -> Limits:
    """The project's row (unsaved and empty if none)."""
    return Limits.objects.filter(project=project, api_key__isnull=True).first() or Limits(project=project)


def key_limits(api_key) -> Limits:
    return Limits.objects.filter(api_key=api_key).first() or Limits(project_id=api_key.project_id, api_key=api_key)
