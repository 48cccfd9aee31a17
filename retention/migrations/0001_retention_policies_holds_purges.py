import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def days(kind):
    return models.PositiveIntegerField(blank=True, null=True, help_text=f"days to keep {kind}; empty: forever")


RUNS = "runs with their events, spans, checkpoints, tool-call ledger and blobs"
EVALS = "finished evals with their per-item results"
FEEDBACK = "human feedback on runs"
AUDIT = "audit log entries made in the project"


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("accounts", "0001_initial"),
        ("runs", "0004_blobs_to_artifacts"),
    ]

    operations = [
        migrations.CreateModel(
            name="RetentionPolicy",
            fields=[
                ("project", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True,
                                                 related_name="retention_policy", serialize=False,
                                                 to="accounts.project")),
                ("runs_days", days(RUNS)),
                ("eval_results_days", days(EVALS)),
                ("feedback_days", days(FEEDBACK)),
                ("audit_days", days(AUDIT)),
                ("legal_hold", models.BooleanField(default=False,
                                                   help_text="keep everything of the project, whatever its age")),
                ("legal_hold_reason", models.CharField(blank=True, default="", max_length=500)),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("updated_by", models.CharField(blank=True, default="", max_length=200)),
            ],
            options={"verbose_name_plural": "retention policies"},
        ),
        migrations.CreateModel(
            name="RetentionOverride",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("environment", models.CharField(choices=[("dev", "dev"), ("stage", "stage"), ("prod", "prod")],
                                                 max_length=8)),
                ("runs_days", days(RUNS)),
                ("eval_results_days", days(EVALS)),
                ("feedback_days", days(FEEDBACK)),
                ("policy", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="overrides",
                                             to="retention.retentionpolicy")),
            ],
            options={"ordering": ["environment"]},
        ),
        migrations.AddConstraint(
            model_name="retentionoverride",
            constraint=models.UniqueConstraint(fields=("policy", "environment"), name="uniq_retention_override_env"),
        ),
        migrations.CreateModel(
            name="RunHold",
            fields=[
                ("run", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True,
                                             related_name="legal_hold", serialize=False, to="runs.run")),
                ("reason", models.CharField(blank=True, default="", max_length=500)),
                ("created_by", models.CharField(blank=True, default="", max_length=200)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("project", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                              to="accounts.project")),
            ],
            options={"ordering": ["-created_at"]},
        ),
        migrations.CreateModel(
            name="Purge",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("trigger", models.CharField(default="command", max_length=20)),
                ("started_at", models.DateTimeField()),
                ("finished_at", models.DateTimeField()),
                ("counts", models.JSONField(default=dict)),
                ("skipped_batches", models.PositiveIntegerField(default=0)),
                ("project", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                              related_name="+", to="accounts.project")),
            ],
            options={"ordering": ["-started_at"]},
        ),
    ]
