"""Immutable versions and environments, shared by agents, workflows and custom tools.

A definition (e.g. an Agent) has numbered, immutable versions whose body is hashed: saving an
identical body returns the existing version. Environments `dev`, `stage`, `prod` point at a
version; every promotion is recorded (who, when, from which version) and audited.
"""
from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone

ENVIRONMENTS = ("dev", "stage", "prod")
ENVIRONMENT_CHOICES = [(e, e) for e in ENVIRONMENTS]


def content_hash(body: dict) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


class Definition(models.Model):
    """A named, mutable shell (name and description only) around immutable versions."""

    project = models.ForeignKey("accounts.Project", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name


class DefinitionVersion(models.Model):
    number = models.PositiveIntegerField()
    body = models.JSONField()
    content_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"v{self.number}"


class EnvironmentPointer(models.Model):
    name = models.CharField(max_length=8, choices=ENVIRONMENT_CHOICES)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True


class Promotion(models.Model):
    environment = models.CharField(max_length=8, choices=ENVIRONMENT_CHOICES)
    promoted_by = models.CharField(max_length=200, blank=True, default="")  # user or API key
    promoted_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        abstract = True
        ordering = ["-promoted_at"]


def create_version(*, definition, version_model, body: dict, created_by=None, parent_field: str):
    """Store `body` as the next version of `definition`; an identical body returns the existing one.

    Returns (version, created)."""
    digest = content_hash(body)
    lookup = {parent_field: definition}
    existing = version_model.objects.filter(**lookup, content_hash=digest).first()
    if existing is not None:
        return existing, False
    for _ in range(5):  # concurrent creators race for the next number; the unique constraint decides
        try:
            with transaction.atomic():
                last = version_model.objects.filter(**lookup).order_by("-number").values_list("number", flat=True)
                number = (last.first() or 0) + 1
                version = version_model.objects.create(**lookup, number=number, body=body, content_hash=digest,
                                                       created_by=created_by)
                type(definition).objects.filter(pk=definition.pk).update(updated_at=timezone.now())
                return version, True
        except IntegrityError:
            existing = version_model.objects.filter(**lookup, content_hash=digest).first()
            if existing is not None:
                return existing, False
    raise IntegrityError("could not allocate a version number")


def promote_version(*, definition, version, environment: str, parent_field: str, environment_model,
                    promotion_model, actor: str = "", note: str = "", gate=None):
    """Point `definition`'s environment at `version`, recorded with actor, time and the previous
    version. `gate(version, environment)` may refuse (evaluation thresholds)."""
    from agent_platform.api.errors import FieldError

    if environment not in ENVIRONMENTS:
        raise FieldError("environment", f"must be one of {', '.join(ENVIRONMENTS)}")
    if getattr(version, f"{parent_field}_id") != definition.pk:
        raise FieldError("version", f"belongs to another {parent_field}")
    if gate is not None:
        gate(version, environment)
    with transaction.atomic():
        env = environment_model.objects.select_for_update().get(**{parent_field: definition}, name=environment)
        promotion = promotion_model.objects.create(**{parent_field: definition}, version=version,
                                                   previous_version=env.version, environment=environment,
                                                   promoted_by=actor, note=note)
        env.version, env.updated_at = version, timezone.now()
        env.save(update_fields=["version", "updated_at"])
    return promotion


def resolve_pinned_version(definition, *, parent_field: str, version_model, environment_model,
                           version: int | None = None, environment: str | None = None, field: str = "version"):
    """The version a run pins: the given number, the environment's current one, or the latest.
    Returns (version, environment or None); a missing one is a field error of the run request."""
    from agent_platform.api.errors import FieldError

    kind, name = parent_field, definition.name
    if version is not None:
        found = version_model.objects.filter(**{parent_field: definition}, number=version).first()
        if found is None:
            raise FieldError(field, f"{kind} {name!r} has no version {version}")
        return found, environment
    if environment is not None:
        env = environment_model.objects.select_related("version").filter(
            **{parent_field: definition}, name=environment).first()
        if env is None:
            raise FieldError("environment", f"unknown environment {environment!r}")
        if env.version is None:
            raise FieldError("environment", f"environment {environment!r} of {kind} {name!r} has no version")
        return env.version, environment
    latest = version_model.objects.filter(**{parent_field: definition}).order_by("-number").first()
    if latest is None:
        raise FieldError(kind, f"{kind} {name!r} has no versions yet")
    return latest, None


def environment_numbers(definition, *, parent_field: str, environment_model) -> dict[str, int | None]:
    """`{"dev": 3, "stage": None, ...}`: which version number each environment points at."""
    rows = environment_model.objects.filter(**{parent_field: definition}).select_related("version")
    return {row.name: (row.version.number if row.version else None) for row in rows}


def actor_label(request) -> str:
    """Who is acting, for promotion records: a user name or an API key label."""
    auth = getattr(request, "auth", None)
    if auth is not None and hasattr(auth, "prefix"):
        return f"api-key:{auth.name} ({auth.prefix}…)"
    user = getattr(request, "user", None)
    return getattr(user, "username", "") or ""
