"""Projects, memberships, API keys, encrypted secrets and idempotency records."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.key_scopes import SCOPE_CHOICES
from accounts.roles import PERMISSIONS, ROLE_CHOICES
from agent_platform.ids import new_id


def new_project_id() -> str:
    return new_id("prj")


def new_key_id() -> str:
    return new_id("key")


def new_secret_id() -> str:
    return new_id("sec")


class Project(models.Model):
    id = models.CharField(primary_key=True, max_length=40, default=new_project_id, editable=False)
    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    # Hosts/CIDRs HTTP tools and URL ingestion may reach although private (e.g. "127.0.0.1", "10.0.0.0/8").
    http_allowlist = models.JSONField(default=list, blank=True)
    settings = models.JSONField(default=dict, blank=True)  # model provider defaults, price overrides, budgets
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        permissions = [(codename, text) for codename, text in PERMISSIONS.items()]
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug


class Membership(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=ROLE_CHOICES)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "user"], name="uniq_membership")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.project} ({self.role})"


class ApiKey(models.Model):
    """Shown once at creation; stored as a SHA-256 hash (the key has 192 random bits)."""

    id = models.CharField(primary_key=True, max_length=40, default=new_key_id, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    role = models.CharField(max_length=16, choices=ROLE_CHOICES)
    # Narrower than the role: "read_only" or "runs_only" (accounts/key_scopes.py); "" = the whole role.
    scope = models.CharField(max_length=16, choices=SCOPE_CHOICES, blank=True, default="")
    prefix = models.CharField(max_length=16, db_index=True)  # first characters, to recognise a key
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_active(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class Secret(models.Model):
    """A project secret: the value is encrypted with AES-256-GCM (see accounts/crypto.py)."""

    id = models.CharField(primary_key=True, max_length=40, default=new_secret_id, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="secrets")
    name = models.CharField(max_length=128)
    ciphertext = models.TextField()
    description = models.CharField(max_length=300, blank=True, default="")
    # Hosts the value may be sent to (exact names/IPs or "*.domain"); null = unscoped (created before
    # scoping existed): refused for tool requests unless PLATFORM_UNSCOPED_SECRETS=allow.
    allowed_hosts = models.JSONField(null=True, blank=True, default=None)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="uniq_secret_name")]
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.project.slug}/{self.name}"


class IdempotencyRecord(models.Model):
    """The first response to a create with an `Idempotency-Key`, replayed for repeats."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE)
    key = models.CharField(max_length=200)
    scope = models.CharField(max_length=200)  # method + route
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    response = models.JSONField(null=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "scope", "key"], name="uniq_idempotency")]


def new_data_key_id() -> str:
    return new_id("dek")


class ProjectDataKey(models.Model):
    """A project's data key, stored only wrapped by a master key (accounts/data_keys.py)."""

    id = models.CharField(primary_key=True, max_length=40, default=new_data_key_id, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="data_keys")
    master_key_id = models.CharField(max_length=200)  # the provider's id of the wrapping key
    wrapped = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.id} ({self.project_id}, wrapped by {self.master_key_id})"
