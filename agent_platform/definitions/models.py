"""Abstract models of a versioned definition: a mutable named shell, its immutable numbered
versions (content-hashed bodies), its environment pointers and its promotion history.

A kind makes them concrete with one foreign key each (see docs/decisions/0006); the tables,
columns and constraints stay those of the concrete models.
"""
from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.db import models
from django.utils import timezone

ENVIRONMENTS = ("dev", "stage", "prod")
ENVIRONMENT_CHOICES = [(e, e) for e in ENVIRONMENTS]


def content_hash(body: dict) -> str:
    """sha256 of the body's canonical JSON (sorted keys, no spaces): equal bodies, equal hashes."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def definition_field(model: type[models.Model]) -> str:
    """The name of `model`'s foreign key to its definition (e.g. `agent` on AgentVersion)."""
    for field in model._meta.get_fields():
        related = getattr(field, "related_model", None)
        if field.many_to_one and isinstance(related, type) and issubclass(related, Definition):
            return field.name
    raise LookupError(f"{model.__name__} has no foreign key to a Definition")


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

    @property
    def definition(self) -> Definition:
        return getattr(self, definition_field(type(self)))


class EnvironmentPointer(models.Model):
    name = models.CharField(max_length=8, choices=ENVIRONMENT_CHOICES)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{getattr(self, definition_field(type(self)))}@{self.name}"


class Promotion(models.Model):
    environment = models.CharField(max_length=8, choices=ENVIRONMENT_CHOICES)
    promoted_by = models.CharField(max_length=200, blank=True, default="")  # user or API key
    promoted_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        abstract = True
        ordering = ["-promoted_at"]

    def __str__(self) -> str:
        """e.g. `helper prod: v3 (was v2)`."""
        definition = getattr(self, definition_field(type(self)))
        was = f"v{self.previous_version.number}" if self.previous_version_id else "nothing"
        return f"{definition} {self.environment}: v{self.version.number} (was {was})"
