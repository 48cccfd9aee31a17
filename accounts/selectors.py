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
    query building and three model constructions cost ~2 ms of it)."""
    global _KEY_QUERY
    from django.contrib.auth import get_user_model

    from agent_platform import rows

    if _KEY_QUERY is None:
        user = get_user_model()
        parts = [(ApiKey, "k"), (Project, "p"), (user, "u")]
        _KEY_QUERY = (parts, f'SELECT {rows.columns(parts)} FROM "{ApiKey._meta.db_table}" k '
                             f'JOIN "{Project._meta.db_table}" p ON p."{Project._meta.pk.column}" = k."project_id" '
                             f'LEFT JOIN "{user._meta.db_table}" u ON u."{user._meta.pk.column}" = k."created_by_id" '
                             'WHERE k."key_hash" = %s')
    found = rows.fetch_one(*_KEY_QUERY, [digest])
    if found is None:
        return None
    key, project, user = found
    rows.attach(key, project=project, created_by=user)
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
