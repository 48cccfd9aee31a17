"""Reads: a project's policy (or the empty default), the periods that apply per environment, holds."""
from __future__ import annotations

from dataclasses import dataclass

from retention.models import ENVIRONMENT_KINDS, RetentionPolicy, RunHold


@dataclass(frozen=True)
class Scope:
    """Rows of one kind older than `days` in `environment`, or (environment None) in every
    environment that has no period of its own (`excluded`)."""

    days: int
    environment: str | None = None
    excluded: tuple[str, ...] = ()


def policy_of(project) -> RetentionPolicy:
    """The project's policy; an unsaved empty one (keep everything) when it has none."""
    policy = RetentionPolicy.objects.filter(project=project).prefetch_related("overrides").first()
    return policy or RetentionPolicy(project=project)


def scopes(policy: RetentionPolicy, kind: str) -> list[Scope]:
    """The periods of `kind` (`runs_days`, ...) that apply, environment overrides first."""
    own: dict[str, int] = {}
    if kind in ENVIRONMENT_KINDS and policy.pk:
        own = {o.environment: getattr(o, kind) for o in policy.overrides.all() if getattr(o, kind) is not None}
    result = [Scope(days, environment) for environment, days in sorted(own.items())]
    default = getattr(policy, kind)
    if default is not None:
        result.append(Scope(default, None, tuple(sorted(own))))
    return result


def purgeable_policies(project=None):
    """The policies a purge works through: not under a project-wide legal hold."""
    query = RetentionPolicy.objects.filter(legal_hold=False).select_related("project").prefetch_related("overrides")
    if project is not None:
        query = query.filter(project=project)
    return query.order_by("project_id")


def hold_of(run) -> RunHold | None:
    return RunHold.objects.filter(run=run).first()
