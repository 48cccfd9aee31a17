"""Tool storage: per-project key-value entries (the `kv` built-in)."""
from __future__ import annotations

from django.db import models
from django.utils import timezone


class KVEntry(models.Model):
    project = models.ForeignKey("accounts.Project", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=256)
    value = models.JSONField()
    expires_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "key"], name="uniq_kv_key")]
        verbose_name = "KV entry"
        verbose_name_plural = "KV entries"
