"""Reads for accounts."""
from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import ApiKey, Membership, Project
from accounts.services import hash_api_key


def active_api_key(raw: str) -> ApiKey | None:
    """The key for a presented token if it exists, is not revoked and has not expired."""
    if not raw.startswith("ap_") or len(raw) > 100:
        return None
    key = _key_with_project(hash_api_key(raw))
    if key is None or not key.is_active(timezone.now()):
        return None
    return key


_KEY_QUERY: tuple | None = None


def _key_with_project(digest: str) -> ApiKey | None:
    """`ApiKey.objects.select_related("project", "created_by").filter(key_hash=digest).first()` as one
    raw statement: the same row and instances (every API request makes this lookup, and the ORM's
    query building and three model constructions cost ~2 ms of it). The statement also reads the
    limits rows that apply to the key (its project's and its own, `limits.selectors`), handed to
    the request's limits memo, so the throttle and a run's admission need no statement of their own."""
    global _KEY_QUERY
    from django.contrib.auth import get_user_model
    from django.db import connection

    from agent_platform import rows
    from limits.models import Limits
    from limits.selectors import remember

    if _KEY_QUERY is None:
        user = get_user_model()
        parts = [(ApiKey, "k"), (Project, "p"), (user, "u"), (Limits, "l")]
        _KEY_QUERY = (parts, f'SELECT {rows.columns(parts)} FROM "{ApiKey._meta.db_table}" k '
                             f'JOIN "{Project._meta.db_table}" p ON p."{Project._meta.pk.column}" = k."project_id" '
                             f'LEFT JOIN "{user._meta.db_table}" u ON u."{user._meta.pk.column}" = k."created_by_id" '
                             f'LEFT JOIN "{Limits._meta.db_table}" l ON l."project_id" = k."project_id" '
                             'AND (l."api_key_id" IS NULL OR l."api_key_id" = k."id") '
                             'WHERE k."key_hash" = %s')
    parts, sql = _KEY_QUERY
    with connection.cursor() as cursor:
        cursor.execute(sql, [digest])
        found = cursor.fetchall()  # one row per limits row that applies (at most two), or one with none
    if not found:
        return None
    key, project, user, _ = rows.instances(parts, found[0])
    rows.attach(key, project=project, created_by=user)
    offset = sum(len(model._meta.concrete_fields) for model, _ in parts[:3])
    limits = [rows.instances(parts[3:], row[offset:])[0] for row in found]
    remember(project, key, [row for row in limits if row is not None])
    return key


def projects_for_user(user) -> QuerySet[Project]:
    return Project.objects.filter(memberships__user=user)


def membership_role(user, project: Project) -> str | None:
    if not getattr(user, "is_authenticated", False):
        return None
    if user.is_superuser:
        return "owner"
    membership = Membership.objects.filter(user=user, project=project).only("role").first()
    return membership.role if membership else None
