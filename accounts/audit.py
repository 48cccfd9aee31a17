"""Audit trail: django-auditlog on every configuration model, with the acting user or API key
(`actor_label` shows which in the console's audit log).

Apps call `register(Model, exclude=...)` from here for their configuration models; secrets and
key hashes are excluded so the log never holds them.
"""
from __future__ import annotations

from auditlog.context import auditlog_value
from auditlog.registry import auditlog
from django.utils.html import format_html

_REGISTRATIONS: list[tuple[type, dict]] = []


def register(model: type, **options) -> type:
    """Class decorator / call used by apps to put a model under audit."""
    _REGISTRATIONS.append((model, options))
    if not auditlog.contains(model):
        auditlog.register(model, **options)
    return model


def register_models() -> None:
    from accounts.models import ApiKey, Membership, Project, Secret

    register(Project)
    register(Membership)
    register(ApiKey, exclude_fields=["key_hash", "last_used_at"])
    register(Secret, exclude_fields=["ciphertext"])


def record_api_key_actor(api_key) -> None:
    """Mark changes made in this request as made by an API key (set by the auth class)."""
    try:
        context = auditlog_value.get()
    except LookupError:
        return
    context["actor_email"] = f"api-key:{api_key.name} ({api_key.prefix}…)"
    context["additional_data"] = {"api_key_id": api_key.id, "role": api_key.role, "project": api_key.project_id}
    if api_key.created_by_id and "actor" in context and context["actor"] is None:
        context["actor"] = api_key.created_by


API_KEY_ACTOR = "api-key:"


def actor_label(entry, *, user_link: str | None = None) -> str:
    """Who made a logged change, for display: the API key (and the user who created it), the
    console user, or "system" for changes made by no one (jobs, migrations, management commands)."""
    email = entry.actor_email or ""
    if email.startswith(API_KEY_ACTOR):
        if user_link:
            return format_html('{} <span class="ac-muted">(created by {})</span>', email, user_link)
        return email
    if user_link:
        return user_link
    return email or "system"
