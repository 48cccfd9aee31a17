"""Writes: a project's retention policy (with its environment overrides) and legal holds on runs."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from retention.models import ENVIRONMENT_KINDS, KINDS, RetentionOverride, RetentionPolicy, RunHold


def set_policy(*, project, data: Mapping[str, Any], actor: str) -> RetentionPolicy:
    """Replace the project's policy: periods absent from `data` keep forever, environments absent
    from `data["environments"]` follow the project."""
    environments = data.get("environments") or {}
    with transaction.atomic():
        policy, _ = RetentionPolicy.objects.select_for_update().get_or_create(project=project)
        for kind in KINDS:
            setattr(policy, kind, data.get(kind))
        policy.legal_hold = bool(data.get("legal_hold", False))
        policy.legal_hold_reason = data.get("legal_hold_reason", "") if policy.legal_hold else ""
        policy.updated_at, policy.updated_by = timezone.now(), actor
        policy.save()
        wanted = {env: periods for env, periods in environments.items() if periods is not None}
        RetentionOverride.objects.filter(policy=policy).exclude(environment__in=list(wanted)).delete()
        for environment, periods in wanted.items():
            RetentionOverride.objects.update_or_create(
                policy=policy, environment=environment,
                defaults={kind: periods.get(kind) for kind in ENVIRONMENT_KINDS})
    return RetentionPolicy.objects.prefetch_related("overrides").get(pk=policy.pk)


def hold_run(*, run, reason: str, actor: str) -> tuple[RunHold, bool]:
    """Put a legal hold on a run (a second hold keeps the first, with its reason). Returns
    `(hold, created)`."""
    return RunHold.objects.get_or_create(run=run, defaults={"project_id": run.project_id, "reason": reason,
                                                            "created_by": actor})


def release_run(*, run) -> bool:
    """Lift the run's legal hold; False if it had none."""
    deleted, _ = RunHold.objects.filter(run=run).delete()
    return bool(deleted)
