"""Writes: set a project's or an API key's limits (PUT semantics: a field left out means no limit)."""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from limits.models import LIMIT_FIELDS, Limits

SETTABLE = (*LIMIT_FIELDS, "run_token_estimate")


def set_limits(*, project, api_key=None, values: dict) -> Limits:
    fields = {name: values.get(name) for name in SETTABLE}
    with transaction.atomic():
        row, _ = Limits.objects.select_for_update().update_or_create(
            project=project, api_key=api_key, defaults={**fields, "updated_at": timezone.now()})
    return row
