"""Hourly rollups of finished runs, the only source of the console's dashboards.

`RunRollupHour` holds one row per (project, hour of `finished_at`, target, version, environment,
model), `TargetRollupHour` the same summed per target; `ModelRollupHour` one per (project, hour, model) from the model-call spans of those same
runs. Both are rebuilt incrementally by `dashboards.rollups.rollup_runs` from a high-water mark
kept in `RollupState`. They outlive the runs they summarise (retention deletes runs, not rollups).
"""
from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models

from dashboards.buckets import empty


class RunRollupHour(models.Model):
    project = models.ForeignKey("accounts.Project", on_delete=models.CASCADE, related_name="+")
    hour = models.DateTimeField()  # UTC, truncated to the hour the runs finished in
    target_kind = models.CharField(max_length=16)  # agent | workflow
    target_id = models.CharField(max_length=40)  # agt_… / wf_… ("" if the definition was deleted)
    target_name = models.CharField(max_length=200)
    version = models.PositiveIntegerField(default=0)
    environment = models.CharField(max_length=8, blank=True, default="")
    model = models.CharField(max_length=200, blank=True, default="")  # the agent version's model; "" for workflows
    runs = models.IntegerField(default=0)
    succeeded = models.IntegerField(default=0)
    failed = models.IntegerField(default=0)
    cancelled = models.IntegerField(default=0)
    timed_out = models.IntegerField(default=0)
    timed_runs = models.IntegerField(default=0)  # runs with a duration (started before finishing)
    duration_sum_ms = models.FloatField(default=0)
    duration_buckets = ArrayField(models.IntegerField(), default=empty)  # dashboards.buckets
    input_tokens = models.BigIntegerField(default=0)
    output_tokens = models.BigIntegerField(default=0)
    cost_usd = models.FloatField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["project", "hour", "target_kind", "target_id", "version", "environment", "model"],
            name="uniq_run_rollup_hour")]
        indexes = [models.Index(fields=["project", "hour"], name="run_rollup_project_hour"),
                   models.Index(fields=["project", "target_kind", "target_id", "hour"], name="run_rollup_target_hour")]


class TargetRollupHour(models.Model):
    """RunRollupHour summed over versions, environments and models: what the overview reads (a
    sixth of the rows or fewer), refilled from RunRollupHour by the same pass."""

    project = models.ForeignKey("accounts.Project", on_delete=models.CASCADE, related_name="+")
    hour = models.DateTimeField()
    target_kind = models.CharField(max_length=16)
    target_id = models.CharField(max_length=40)
    target_name = models.CharField(max_length=200)
    runs = models.IntegerField(default=0)
    succeeded = models.IntegerField(default=0)
    failed = models.IntegerField(default=0)
    cancelled = models.IntegerField(default=0)
    timed_out = models.IntegerField(default=0)
    timed_runs = models.IntegerField(default=0)
    duration_sum_ms = models.FloatField(default=0)
    duration_buckets = ArrayField(models.IntegerField(), default=empty)
    input_tokens = models.BigIntegerField(default=0)
    output_tokens = models.BigIntegerField(default=0)
    cost_usd = models.FloatField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "hour", "target_kind", "target_id"],
                                               name="uniq_target_rollup_hour")]
        indexes = [models.Index(fields=["project", "hour"], name="target_rollup_project_hour")]


class ModelRollupHour(models.Model):
    project = models.ForeignKey("accounts.Project", on_delete=models.CASCADE, related_name="+")
    hour = models.DateTimeField()  # the hour the calls' runs finished in
    model = models.CharField(max_length=200)  # the model ref that answered (span name)
    calls = models.IntegerField(default=0)
    errors = models.IntegerField(default=0)
    input_tokens = models.BigIntegerField(default=0)
    output_tokens = models.BigIntegerField(default=0)
    cost_usd = models.FloatField(default=0)
    duration_sum_ms = models.FloatField(default=0)
    duration_buckets = ArrayField(models.IntegerField(), default=empty)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "hour", "model"], name="uniq_model_rollup_hour")]
        indexes = [models.Index(fields=["project", "hour"], name="model_rollup_project_hour")]


class RollupState(models.Model):
    """The rollup job's high-water mark: every run finished before it is in the rollups, and
    the hour holding `high_water - grace` is recomputed by the next pass."""

    name = models.CharField(primary_key=True, max_length=32)
    high_water = models.DateTimeField()
    updated_at = models.DateTimeField()
    last_rows = models.IntegerField(default=0)
    last_duration_ms = models.FloatField(default=0)
