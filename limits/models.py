"""Budgets and rate limits: one row per project (`api_key` null) and one per API key that has its own.

A null field means "no limit". USD amounts are decimals; Redis counts them in micro-dollars."""
from __future__ import annotations

from django.db import models
from django.utils import timezone

LIMIT_FIELDS = ("requests_per_minute", "concurrent_runs", "tokens_per_day", "usd_per_day", "usd_per_month")
BUDGET_FIELDS = ("tokens_per_day", "usd_per_day", "usd_per_month")
USD_FIELDS = ("usd_per_day", "usd_per_month")


class Limits(models.Model):
    project = models.ForeignKey("accounts.Project", on_delete=models.CASCADE, related_name="limits")
    api_key = models.OneToOneField("accounts.ApiKey", null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="limits")
    requests_per_minute = models.PositiveIntegerField(null=True, blank=True)
    concurrent_runs = models.PositiveIntegerField(null=True, blank=True)
    tokens_per_day = models.PositiveBigIntegerField(null=True, blank=True)
    usd_per_day = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    usd_per_month = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    # Tokens reserved at admission for a run whose agent sets no `limits.max_tokens`; null: the
    # size of the run's input (a lower bound: every run sends at least its input once).
    run_token_estimate = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "limits"
        constraints = [models.UniqueConstraint(fields=["project"], condition=models.Q(api_key__isnull=True),
                                               name="uniq_project_limits")]

    def __str__(self) -> str:
        return f"limits of {self.api_key or self.project}"

    @property
    def scope(self) -> str:
        return f"k:{self.api_key_id}" if self.api_key_id else f"p:{self.project_id}"

    def has_budget(self) -> bool:
        return any(getattr(self, name) is not None for name in BUDGET_FIELDS)

    def has_usd_budget(self) -> bool:
        return any(getattr(self, name) is not None for name in USD_FIELDS)

    def is_empty(self) -> bool:
        return all(getattr(self, name) is None for name in LIMIT_FIELDS)
