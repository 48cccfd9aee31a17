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
    key = ApiKey.objects.select_related("project", "created_by").filter(key_hash=hash_api_key(raw)).first()
    if key is None or not key.is_active(timezone.now()):
        return None
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
