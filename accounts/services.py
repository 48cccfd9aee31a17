"""Writes for accounts: projects, members, API keys, secrets. Transactions live here."""
from __future__ import annotations

import hashlib
import secrets as pysecrets
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from guardian.shortcuts import assign_perm, remove_perm

from accounts import crypto, redaction_policy
from accounts.allowlist import secret_hosts, validate_allowlist
from accounts.data_keys import rewrap_data_keys
from accounts.key_scopes import SCOPES
from accounts.models import ApiKey, Membership, Project, Secret
from accounts.roles import OWNER, PERMISSIONS, ROLE_PERMISSIONS, ROLES
from accounts.secret_vault import ProjectSecrets, secret_aad
from agent_platform.service_errors import InvalidField, StateConflict

KEY_PREFIX = "ap_"


def hash_api_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_project(*, slug: str, name: str = "", owner=None) -> Project:
    slug = slugify(slug)
    if not slug:
        raise InvalidField("slug", "must contain letters or digits")
    with transaction.atomic():
        if Project.objects.filter(slug=slug).exists():
            raise StateConflict(f"project {slug!r} already exists", field="slug")
        project = Project.objects.create(slug=slug, name=name or slug)
        if owner is not None:
            set_member_role(project=project, user=owner, role=OWNER)
    return project


def set_member_role(*, project: Project, user, role: str) -> Membership:
    """Add a member or change a role; guardian object permissions follow the role."""
    if role not in ROLES:
        raise InvalidField("role", f"must be one of {', '.join(ROLES)}")
    with transaction.atomic():
        membership, _ = Membership.objects.update_or_create(project=project, user=user, defaults={"role": role})
        for codename in PERMISSIONS:
            if codename in ROLE_PERMISSIONS[role]:
                assign_perm(f"accounts.{codename}", user, project)
            else:
                remove_perm(f"accounts.{codename}", user, project)
    return membership


def remove_member(*, membership: Membership) -> None:
    with transaction.atomic():
        for codename in PERMISSIONS:
            remove_perm(f"accounts.{codename}", membership.user, membership.project)
        membership.delete()


def create_user(*, username: str, password: str, email: str = "", is_staff: bool = False):
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults={"email": email, "is_staff": is_staff})
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    return user


def create_api_key(*, project: Project, name: str, role: str, created_by=None,
                   expires_at: datetime | None = None, scope: str = "") -> tuple[ApiKey, str]:
    """Create a key; returns (record, plaintext). The plaintext is never stored or shown again.
    `scope` narrows the role (accounts/key_scopes.py): "read_only", "runs_only" or "" (the whole role)."""
    if role not in ROLES:
        raise InvalidField("role", f"must be one of {', '.join(ROLES)}")
    if scope not in SCOPES:
        raise InvalidField("scope", f"must be one of {', '.join(s for s in SCOPES if s)} or empty")
    if expires_at is not None and expires_at <= timezone.now():
        raise InvalidField("expires_at", "must be in the future")
    raw = KEY_PREFIX + pysecrets.token_urlsafe(24)
    key = ApiKey.objects.create(project=project, name=name or "key", role=role, scope=scope, prefix=raw[:10],
                                key_hash=hash_api_key(raw), created_by=created_by, expires_at=expires_at)
    return key, raw


def revoke_api_key(*, key: ApiKey) -> ApiKey:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    return key


def _aad(project_id: str, name: str) -> str:
    return secret_aad(project_id, name)


def set_secret(*, project: Project, name: str, value: str, description: str = "", created_by=None,
               allowed_hosts: list[str] | None = None) -> Secret:
    """Create or replace a secret's value (encrypted at rest). `allowed_hosts`: where the value may
    be sent (None keeps a replaced secret's scope; a new one without it is unscoped)."""
    if not value:
        raise InvalidField("value", "must not be empty")
    hosts = None if allowed_hosts is None else secret_hosts(allowed_hosts)
    token = crypto.encrypt(value, aad=_aad(project.id, name), project_id=project.id)
    try:
        with transaction.atomic():
            secret, created = Secret.objects.get_or_create(
                project=project, name=name,
                defaults={"ciphertext": token, "description": description, "created_by": created_by,
                          "allowed_hosts": hosts})
            if not created:
                secret.ciphertext, secret.updated_at = token, timezone.now()
                if description:
                    secret.description = description
                if hosts is not None:
                    secret.allowed_hosts = hosts
                secret.save(update_fields=["ciphertext", "updated_at", "description", "allowed_hosts"])
    except IntegrityError as exc:  # a concurrent create of the same name
        raise StateConflict(f"secret {name!r} is being created concurrently", field="name") from exc
    redaction_policy.forget(project.pk)
    return secret


def update_secret(*, secret: Secret, allowed_hosts: list[str] | None = None,
                  description: str | None = None, value: str | None = None) -> Secret:
    """Change a secret's scope, description or value (the value is re-encrypted)."""
    fields = ["updated_at"]
    if allowed_hosts is not None:
        secret.allowed_hosts = secret_hosts(allowed_hosts)
        fields.append("allowed_hosts")
    if description is not None:
        secret.description = description
        fields.append("description")
    if value is not None:
        if not value:
            raise InvalidField("value", "must not be empty")
        secret.ciphertext = crypto.encrypt(value, aad=_aad(secret.project_id, secret.name), project_id=secret.project_id)
        fields.append("ciphertext")
    secret.updated_at = timezone.now()
    secret.save(update_fields=fields)
    redaction_policy.forget(secret.project_id)
    return secret


def delete_secret(*, secret: Secret) -> None:
    secret.delete()
    redaction_policy.forget(secret.project_id)


def reveal_secrets(project: Project, names: list[str] | None = None) -> ProjectSecrets:
    """A project's secrets for use by tools and model providers (never for responses): a mapping
    that decrypts each value only when it is read, and knows each secret's allowed hosts.

    Masking is not this mapping's job: see `accounts.redaction_policy.redactor_for`."""
    return ProjectSecrets.load(project, names)


def update_project(*, project: Project, data: dict) -> Project:
    """Apply a validated project PATCH; the HTTP allow-list is checked entry by entry."""
    if "http_allowlist" in data:
        data = {**data, "http_allowlist": validate_allowlist(data["http_allowlist"])}
    if isinstance(data.get("settings"), dict) and redaction_policy.SETTINGS_KEY in data["settings"]:
        policy = redaction_policy.validate_policy(data["settings"][redaction_policy.SETTINGS_KEY])
        data = {**data, "settings": {**data["settings"], redaction_policy.SETTINGS_KEY: policy}}
    for field, value in data.items():
        setattr(project, field, value)
    project.save(update_fields=list(data) or None)
    return project


def rotate_encryption_key() -> int:
    """Put every secret under the current master key: re-wrap the project data keys wrapped by an
    older one, and re-encrypt secrets still sealed directly by a master key (v1) with their
    project's data key. Returns how many data keys and secrets changed."""
    changed = rewrap_data_keys()
    for secret in Secret.objects.select_related("project").iterator():
        if crypto.token_version(secret.ciphertext) != "v1":
            continue
        aad = _aad(secret.project_id, secret.name)
        with transaction.atomic():
            locked = Secret.objects.select_for_update().get(pk=secret.pk)
            locked.ciphertext = crypto.encrypt(crypto.decrypt(locked.ciphertext, aad=aad), aad=aad,
                                               project_id=locked.project_id)
            locked.save(update_fields=["ciphertext"])
        changed += 1
    return changed
