import django.contrib.postgres.fields
import django.db.models.deletion
from django.db import migrations, models

import dashboards.buckets


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="RollupState",
            fields=[
                ("name", models.CharField(max_length=32, primary_key=True, serialize=False)),
                ("high_water", models.DateTimeField()),
                ("updated_at", models.DateTimeField()),
                ("last_rows", models.IntegerField(default=0)),
                ("last_duration_ms", models.FloatField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name="ModelRollupHour",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("hour", models.DateTimeField()),
                ("model", models.CharField(max_length=200)),
                ("calls", models.IntegerField(default=0)),
                ("errors", models.IntegerField(default=0)),
                ("input_tokens", models.BigIntegerField(default=0)),
                ("output_tokens", models.BigIntegerField(default=0)),
                ("cost_usd", models.FloatField(default=0)),
                ("duration_sum_ms", models.FloatField(default=0)),
                ("duration_buckets", django.contrib.postgres.fields.ArrayField(
                    base_field=models.IntegerField(), default=dashboards.buckets.empty, size=None)),
                ("project", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                              to="accounts.project")),
            ],
            options={
                "indexes": [models.Index(fields=["project", "hour"], name="model_rollup_project_hour")],
                "constraints": [models.UniqueConstraint(fields=("project", "hour", "model"),
                                                        name="uniq_model_rollup_hour")],
            },
        ),
        migrations.CreateModel(
            name="RunRollupHour",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("hour", models.DateTimeField()),
                ("target_kind", models.CharField(max_length=16)),
                ("target_id", models.CharField(max_length=40)),
                ("target_name", models.CharField(max_length=200)),
                ("version", models.PositiveIntegerField(default=0)),
                ("environment", models.CharField(blank=True, default="", max_length=8)),
                ("model", models.CharField(blank=True, default="", max_length=200)),
                ("runs", models.IntegerField(default=0)),
                ("succeeded", models.IntegerField(default=0)),
                ("failed", models.IntegerField(default=0)),
                ("cancelled", models.IntegerField(default=0)),
                ("timed_out", models.IntegerField(default=0)),
                ("timed_runs", models.IntegerField(default=0)),
                ("duration_sum_ms", models.FloatField(default=0)),
                ("duration_buckets", django.contrib.postgres.fields.ArrayField(
                    base_field=models.IntegerField(), default=dashboards.buckets.empty, size=None)),
                ("input_tokens", models.BigIntegerField(default=0)),
                ("output_tokens", models.BigIntegerField(default=0)),
                ("cost_usd", models.FloatField(default=0)),
                ("project", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                              to="accounts.project")),
            ],
            options={
                "indexes": [models.Index(fields=["project", "hour"], name="run_rollup_project_hour")],
                "constraints": [models.UniqueConstraint(
                    fields=("project", "hour", "target_kind", "target_id", "version", "environment", "model"),
                    name="uniq_run_rollup_hour")],
            },
        ),
    ]
