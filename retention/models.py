"""Retention: how long a project keeps what it records, legal holds, and the record of each purge.

A policy's periods are in days; `null` keeps forever (the default: a project without a policy
loses nothing). `RetentionOverride` rows change the periods of one environment (`dev`, `stage`,
`prod`) for what belongs to it: runs (with their events, spans, checkpoints, ledger and
feedback) and evals. A legal hold — on the whole project (`RetentionPolicy.legal_hold`) or on
one run (`RunHold`) — keeps everything it covers whatever its age. See docs/retention.md.
"""
from __future__ import annotations

from django.db import models
from django.utils import timezone

from agent_platform.definitions.models import ENVIRONMENTS

ENVIRONMENT_CHOICES = [(env, env) for env in ENVIRONMENTS]
# The kinds of rows a policy covers, as (field, what it keeps).
KINDS = {
    "runs_days": "runs with their events, spans, checkpoints, tool-call ledger and blobs",
    "eval_results_days": "finished evals with their per-item results",
    "feedback_days": "human feedback on runs",
    "audit_days": "audit log entries made in the project",
}
ENVIRONMENT_KINDS = ("runs_days", "eval_results_days", "feedback_days")


def _days(kind: str) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(null=True, blank=True, help_text=f"days to keep {KINDS[kind]}; empty: forever")


class RetentionPolicy(models.Model):
    project = models.OneToOneField("accounts.Project", on_delete=models.CASCADE, primary_key=True,
                                   related_name="retention_policy")
    runs_days = _days("runs_days")
    eval_results_days = _days("eval_results_days")
    feedback_days = _days("feedback_days")
    audit_days = _days("audit_days")
    legal_hold = models.BooleanField(default=False, help_text="keep everything of the project, whatever its age")
    legal_hold_reason = models.CharField(max_length=500, blank=True, default="")
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        verbose_name_plural = "retention policies"

    def __str__(self) -> str:
        return f"retention of {self.project_id}"


class RetentionOverride(models.Model):
    """The periods of one environment; an empty period follows the project's policy."""

    policy = models.ForeignKey(RetentionPolicy, on_delete=models.CASCADE, related_name="overrides")
    environment = models.CharField(max_length=8, choices=ENVIRONMENT_CHOICES)
    runs_days = _days("runs_days")
    eval_results_days = _days("eval_results_days")
    feedback_days = _days("feedback_days")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["policy", "environment"], name="uniq_retention_override_env")]
        ordering = ["environment"]

    def __str__(self) -> str:
        return f"{self.policy_id} {self.environment}"


class RunHold(models.Model):
    """A legal hold on one run: retention keeps the run and everything it left behind."""

    run = models.OneToOneField("runs.Run", on_delete=models.CASCADE, primary_key=True, related_name="legal_hold")
    project = models.ForeignKey("accounts.Project", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=500, blank=True, default="")
    created_by = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"hold on {self.run_id}"


class Purge(models.Model):
    """What one purge removed from one project (or, with no project, install-wide: blobs, orphaned
    objects, audit entries past PLATFORM_RETENTION_AUDIT_DAYS). Dry runs leave no record."""

    project = models.ForeignKey("accounts.Project", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    trigger = models.CharField(max_length=20, default="command")  # command | scheduler
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    counts = models.JSONField(default=dict)  # {"runs.Run": n, "runs.Event": n, ..., "artifacts": n}
    skipped_batches = models.PositiveIntegerField(default=0)  # batches given up on a lock (next purge retries)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"purge {self.pk} of {self.project_id or 'install'}"
